"""The LangGraph Platform's Python client, langgraph-sdk from PyPI, unmodified,
against agent-runs' HTTP API.

Usage: langgraph_sdk_client.py URL

Creates a thread, streams a run on it (updates and messages-tuple), waits for a
second run, reads the thread's state, then starts a third run in the
background and joins it. Prints one line per step, in the format
test/interop/langgraph-sdk-py.test.ts reads:

    thread id=<id> status=idle
    stream events=metadata,updates,messages,...,end run_id=<id>
    wait messages=8
    state checkpoint=<id> next=0 messages=8
    join messages=12 status=success runs=3
"""

import asyncio
import sys

from langgraph_sdk import get_client


def hello(content):
    return {"messages": [{"role": "user", "content": content}]}


async def main(url: str) -> None:
    client = get_client(url=url)
    thread = await client.threads.create(metadata={"from": "python"})
    print(f"thread id={thread['thread_id']} status={thread['status']}")
    thread_id = thread["thread_id"]

    events, run_id = [], ""
    async for part in client.runs.stream(thread_id, "demo", input=hello("hello from python"), stream_mode=["updates", "messages-tuple"]):
        events.append(part.event)
        if part.event == "metadata":
            run_id = part.data["run_id"]
    print(f"stream events={','.join(dict.fromkeys(events))} run_id={run_id}")

    waited = await client.runs.wait(thread_id, "demo", input=hello("again"))
    print(f"wait messages={len(waited['messages'])}")

    state = await client.threads.get_state(thread_id)
    print(f"state checkpoint={state['checkpoint']['checkpoint_id']} next={len(state['next'])} messages={len(state['values']['messages'])}")

    run = await client.runs.create(thread_id, "demo", input=hello("later"))
    joined = await client.runs.join(thread_id, run["run_id"])
    status = (await client.runs.get(thread_id, run["run_id"]))["status"]
    runs = await client.runs.list(thread_id)
    print(f"join messages={len(joined['messages'])} status={status} runs={len(runs)}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: langgraph_sdk_client.py URL", file=sys.stderr)
        sys.exit(2)
    asyncio.run(main(sys.argv[1]))
