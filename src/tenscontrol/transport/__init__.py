"""Ports: opening them in one place with friendly errors, discovery, and frame tracing."""

from tenscontrol.transport.ports import open_port, register_simulator
from tenscontrol.transport.trace import FrameTracer

__all__ = ["FrameTracer", "open_port", "register_simulator"]
