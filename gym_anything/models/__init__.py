"""Models: backends behind one ``complete(prompt, images)`` interface (local transformers or any OpenAI-compatible
endpoint), a chat with tool calls (``chat.py``), the one parser of model specs, strict answer reading, images for
models, and a local model server."""

from .answers import ModelAnswerError, load_json_answer
from .backends import (
                       Backend,
                       ModelSpec,
                       OpenAIBackend,
                       TransformersBackend,
                       is_model_spec,
                       make_backend,
                       make_chat_client,
                       parse_model_spec,
)
from .chat import ChatClient, ChatReply, ToolCall
from .images import FrameBuffer, even_sample

__all__ = ["Backend", "ChatClient", "ChatReply", "FrameBuffer", "ModelAnswerError", "ModelSpec", "OpenAIBackend",
           "ToolCall", "TransformersBackend", "even_sample", "is_model_spec", "load_json_answer", "make_backend",
           "make_chat_client", "parse_model_spec"]
