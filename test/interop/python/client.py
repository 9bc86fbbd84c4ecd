"""Interop peer: a Python grpcio client of agentruns.v1.RunsService over h2c.

Usage: client.py HOST:PORT

Streams a run of the demo assistant (stream mode UPDATES), then lists its last
two messages; then starts a second run on the same thread in the background
(CreateRun), waits for it (AwaitRun), lists the thread's runs (ListRuns) and
reads the thread's state (ThreadsService.GetThreadState). Prints one line per
stream event and one per later call, in the format
test/interop/interop.test.ts reads (the Go peer prints the same):

    event metadata run_id=<id> thread_id=<id>
    event part mode=STREAM_MODE_UPDATES
    event error name=<name>
    event end status=RUN_STATUS_SUCCESS
    messages count=2 types=tool,ai has_more=true
    created run_id=<id> status=RUN_STATUS_PENDING|RUN_STATUS_RUNNING
    awaited status=RUN_STATUS_SUCCESS values_messages=8
    listed count=2 first=<id> second=<id> next_page_token=
    state checkpoint=<id> values_messages=8 next=0

Exits non-zero on any error. The stubs come from buf (test/peers/python-go.sh).
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "gen"))

import grpc  # noqa: E402
from google.protobuf import struct_pb2  # noqa: E402

from agentruns.v1 import runs_pb2, runs_pb2_grpc, threads_pb2, threads_pb2_grpc  # noqa: E402

TIMEOUT_S = 20


def main(target: str) -> None:
    # Loopback only: never route through an HTTP proxy from the environment.
    with grpc.insecure_channel(target, options=[("grpc.enable_http_proxy", 0)]) as channel:
        client = runs_pb2_grpc.RunsServiceStub(channel)

        run_input = struct_pb2.Struct()
        run_input.update({"messages": [{"role": "user", "content": "hello from python"}]})
        request = runs_pb2.StreamRunRequest(
            run=runs_pb2.RunCreate(
                assistant_id="demo",
                input=run_input,
                stream_mode=[runs_pb2.STREAM_MODE_UPDATES],
            )
        )
        run_id = thread_id = ""
        for response in client.StreamRun(request, timeout=TIMEOUT_S):
            if response.WhichOneof("payload") != "event":
                continue  # a heartbeat: not an event
            event = response.event
            kind = event.WhichOneof("kind")
            if kind == "metadata":
                run_id, thread_id = event.metadata.run_id, event.metadata.thread_id
                print(f"event metadata run_id={run_id} thread_id={event.metadata.thread_id}")
            elif kind == "part":
                print(f"event part mode={runs_pb2.StreamMode.Name(event.part.mode)}")
            elif kind == "error":
                print(f"event error name={event.error.name}")
            elif kind == "end":
                print(f"event end status={runs_pb2.RunStatus.Name(event.end.status)}")
            else:
                raise RuntimeError(f"event {event.event_id} has no kind")
        if not run_id:
            raise RuntimeError("the stream sent no metadata event")

        listed = client.ListRunMessages(
            runs_pb2.ListRunMessagesRequest(run_id=run_id, limit=2), timeout=TIMEOUT_S
        )
        types = ",".join(m.message["type"] for m in listed.messages)
        print(f"messages count={len(listed.messages)} types={types} has_more={str(listed.has_more).lower()}")
        background(client, threads_pb2_grpc.ThreadsServiceStub(channel), thread_id)


def background(client, threads, thread_id: str) -> None:
    """CreateRun on the thread, AwaitRun, ListRuns on the thread, GetThreadState."""
    second_input = struct_pb2.Struct()
    second_input.update({"messages": [{"role": "user", "content": "again from python"}]})
    created = client.CreateRun(
        runs_pb2.CreateRunRequest(run=runs_pb2.RunCreate(assistant_id="demo", thread_id=thread_id, input=second_input)),
        timeout=TIMEOUT_S,
    ).run
    print(f"created run_id={created.run_id} status={runs_pb2.RunStatus.Name(created.status)}")
    awaited = client.AwaitRun(runs_pb2.AwaitRunRequest(run_id=created.run_id), timeout=TIMEOUT_S)
    print(f"awaited status={runs_pb2.RunStatus.Name(awaited.run.status)} values_messages={len(awaited.values['messages'])}")
    runs = client.ListRuns(runs_pb2.ListRunsRequest(thread_id=thread_id), timeout=TIMEOUT_S)
    ids = [r.run_id for r in runs.runs]
    print(f"listed count={len(ids)} first={ids[0]} second={ids[-1]} next_page_token={runs.next_page_token}")
    state = threads.GetThreadState(threads_pb2.GetThreadStateRequest(thread_id=thread_id), timeout=TIMEOUT_S).state
    print(f"state checkpoint={state.checkpoint_id} values_messages={len(state.values['messages'])} next={len(state.next)}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: client.py HOST:PORT", file=sys.stderr)
        sys.exit(2)
    try:
        main(sys.argv[1])
    except grpc.RpcError as error:
        print(f"python-client: {error.code().name}: {error.details()}", file=sys.stderr)
        sys.exit(1)
    except Exception as error:  # noqa: BLE001 - any failure is a non-zero exit
        print(f"python-client: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
