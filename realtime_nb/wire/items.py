"""Conversation items and their content parts.

An item is a message (system, user or assistant), a function call, a function
call's output, or one of the MCP items. Messages hold content parts:
``input_text``/``input_audio``/``input_image`` from the user (and system),
``output_text``/``output_audio`` from the assistant. The beta dialect calls the
assistant parts ``text``/``audio``; :mod:`realtime_nb.wire.dialect` renames them.

>>> from realtime_nb.wire import Message, InputText
>>> Message(role="user", content=[InputText(text="Hi")]).to_dict()
{'type': 'message', 'role': 'user', 'content': [{'type': 'input_text', 'text': 'Hi'}]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from msgspec import UNSET, Meta, UnsetType

from .base import WireModel, open_literal

__all__ = [
    "ItemStatus",
    "Role",
    "InputText",
    "InputAudio",
    "InputImage",
    "OutputText",
    "OutputAudio",
    "ItemReferencePart",
    "ContentPart",
    "Message",
    "FunctionCall",
    "FunctionCallOutput",
    "McpError",
    "McpCall",
    "McpToolInfo",
    "McpListTools",
    "McpApprovalRequest",
    "McpApprovalResponse",
    "ItemReference",
    "Item",
    "InputItem",
    "ROLE_PARTS",
]

if TYPE_CHECKING:
    ItemStatus = Literal["completed", "incomplete", "in_progress"]
else:
    ItemStatus = open_literal(Literal["completed", "incomplete", "in_progress"])
    """An item's status (no effect on the conversation when a client sets it)."""

Role = Literal["system", "user", "assistant"]
"""Who a message is from."""

_Id = Annotated[str, Meta(min_length=1)]


class InputText(WireModel, frozen=True, kw_only=True, tag_field="type", tag="input_text"):
    """Text from the user or the system."""

    text: str | UnsetType = UNSET


class InputAudio(WireModel, frozen=True, kw_only=True, tag_field="type", tag="input_audio"):
    """User audio: base64 bytes in the session's input format.

    Server views leave ``audio`` out (only ``conversation.item.retrieved`` carries
    it); ``transcript`` is filled by input transcription, or ``None``.
    """

    audio: str | UnsetType = UNSET
    transcript: str | None | UnsetType = UNSET


class InputImage(WireModel, frozen=True, kw_only=True, tag_field="type", tag="input_image"):
    """An image from the user, as a PNG or JPEG data URI (GA only)."""

    image_url: str | UnsetType = UNSET
    detail: Literal["auto", "low", "high"] | UnsetType = UNSET


class OutputText(WireModel, frozen=True, kw_only=True, tag_field="type", tag="output_text"):
    """Assistant text (beta name: ``text``)."""

    text: str | UnsetType = UNSET


class OutputAudio(WireModel, frozen=True, kw_only=True, tag_field="type", tag="output_audio"):
    """Assistant audio and its transcript (beta name: ``audio``)."""

    audio: str | UnsetType = UNSET
    transcript: str | None | UnsetType = UNSET


class ItemReferencePart(WireModel, frozen=True, kw_only=True, tag_field="type",
                        tag="item_reference"):
    """A content part pointing at another item by id (beta only)."""

    id: _Id


ContentPart = InputText | InputAudio | InputImage | OutputText | OutputAudio | ItemReferencePart
"""A message content part, told apart by ``type``."""

ROLE_PARTS: dict[str, tuple[type[WireModel], ...]] = {
    "system": (InputText,),
    "user": (InputText, InputAudio, InputImage, ItemReferencePart),
    "assistant": (OutputText, OutputAudio, ItemReferencePart),
}
"""Which content parts each role may carry (the SDK's per-role message models)."""


class Message(WireModel, frozen=True, kw_only=True, tag_field="type", tag="message"):
    """A message from the system, the user or the assistant.

    The assistant cannot be given audio by the client (the service refuses to
    create assistant audio messages); use :class:`OutputText` to seed its turns.
    """

    role: Role
    content: list[ContentPart]
    id: str | UnsetType = UNSET
    object: Literal["realtime.item"] | UnsetType = UNSET
    status: ItemStatus | UnsetType = UNSET

    def __post_init__(self) -> None:
        allowed = ROLE_PARTS[self.role]
        for index, part in enumerate(self.content):
            if not isinstance(part, allowed):
                names = ", ".join(repr(cls.__struct_config__.tag) for cls in allowed)
                tag = part.__struct_config__.tag
                # The backquoted prefix lets the validator report the full path.
                raise ValueError(
                    f"`content[{index}].type`: {tag!r} is not allowed in a {self.role}"
                    f" message; expected one of {names}"
                )


class FunctionCall(WireModel, frozen=True, kw_only=True, tag_field="type", tag="function_call"):
    """The model's call of a function tool; ``arguments`` is a JSON text."""

    name: str
    arguments: str
    call_id: str | UnsetType = UNSET
    id: str | UnsetType = UNSET
    object: Literal["realtime.item"] | UnsetType = UNSET
    status: ItemStatus | UnsetType = UNSET


class FunctionCallOutput(WireModel, frozen=True, kw_only=True, tag_field="type",
                         tag="function_call_output"):
    """The result of a function call, sent back by the client (free text, often JSON).

    Adding it does not make the model answer: send ``response.create`` after it.
    """

    call_id: _Id
    output: str
    id: str | UnsetType = UNSET
    object: Literal["realtime.item"] | UnsetType = UNSET
    status: ItemStatus | UnsetType = UNSET


class McpError(WireModel, frozen=True, kw_only=True):
    """Why an MCP call failed (protocol, tool execution or HTTP error)."""

    type: str
    message: str | UnsetType = UNSET
    code: int | str | UnsetType = UNSET


class McpCall(WireModel, frozen=True, kw_only=True, tag_field="type", tag="mcp_call"):
    """A call of a tool on an MCP server (GA only)."""

    id: str
    name: str
    arguments: str
    server_label: str
    approval_request_id: str | None | UnsetType = UNSET
    output: str | None | UnsetType = UNSET
    error: McpError | None | UnsetType = UNSET


class McpToolInfo(WireModel, frozen=True, kw_only=True):
    """One tool listed by an MCP server."""

    name: str
    input_schema: Any
    description: str | None | UnsetType = UNSET
    annotations: Any | UnsetType = UNSET


class McpListTools(WireModel, frozen=True, kw_only=True, tag_field="type", tag="mcp_list_tools"):
    """The tools an MCP server offers (GA only)."""

    server_label: str
    tools: list[McpToolInfo]
    id: str | UnsetType = UNSET


class McpApprovalRequest(WireModel, frozen=True, kw_only=True, tag_field="type",
                         tag="mcp_approval_request"):
    """The model asks for approval before an MCP call (GA only)."""

    id: str
    name: str
    arguments: str
    server_label: str


class McpApprovalResponse(WireModel, frozen=True, kw_only=True, tag_field="type",
                          tag="mcp_approval_response"):
    """The client's answer to an :class:`McpApprovalRequest` (GA only)."""

    id: str
    approval_request_id: str
    approve: bool
    reason: str | None | UnsetType = UNSET


class ItemReference(WireModel, frozen=True, kw_only=True, tag_field="type", tag="item_reference"):
    """A reference to an existing item, allowed only in ``response.create``'s ``input``."""

    id: _Id


Item = (
    Message
    | FunctionCall
    | FunctionCallOutput
    | McpCall
    | McpListTools
    | McpApprovalRequest
    | McpApprovalResponse
)
"""A conversation item, told apart by ``type``."""

InputItem = Item | ItemReference
"""An item or an item reference: what ``response.create``'s ``input`` takes."""
