"""The Python twin of bench/echo-graph.ts: one state field, one node that echoes it."""
from typing import TypedDict

from langgraph.graph import END, START, StateGraph


class EchoState(TypedDict):
    value: str


def echo(state: EchoState) -> dict:
    return {"value": state["value"]}


graph = StateGraph(EchoState).add_node("echo", echo).add_edge(START, "echo").add_edge("echo", END).compile()
