"""Input validation shared by the account operations (pydantic, camelCase field names)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import strawberry
from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel

from subgraphs.core.accounts.caller import client_ip, user_agent
from subgraphs.core.accounts.service import AccountService
from subgraphs.core.context import request_scope

Model = TypeVar("Model", bound=BaseModel)

# Bounds keep hostile input from costing hashing or database work.
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]


class AccountInput(BaseModel):
    """Base of the validated inputs: field names as in GraphQL, unknown fields refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


def validated(model: type[Model], **values: Any) -> Model:
    """The input as `model` (BAD_USER_INPUT with field details when it does not fit)."""
    return model.model_validate({to_camel(k): v for k, v in values.items()})


def accounts(info: strawberry.Info) -> AccountService:
    """The account service of this request."""
    return request_scope(info.context).service.accounts()


def caller_ip(info: strawberry.Info) -> str | None:
    """The caller's IP as the router passed it, for per-IP throttling."""
    return client_ip(info.context)


def caller_agent(info: strawberry.Info) -> str:
    """The caller's User-Agent."""
    return user_agent(info.context)
