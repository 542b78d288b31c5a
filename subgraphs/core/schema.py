"""The core app's federation schema."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from shared.errors import MatewaySchema
from subgraphs.core.admin import queries as admin_queries
from subgraphs.core.api_key_types import api_keys_field
from subgraphs.core.chats import queries as chat_queries
from subgraphs.core.context import request_scope
from subgraphs.core.credits import fields as credit_fields
from subgraphs.core.mutations import (
    cancel_reply,
    check_username_valid,
    confirm_2fa,
    create_api_key,
    create_invite,
    delete_chat,
    delete_message,
    disable_user,
    enable_user,
    login,
    logout,
    refresh,
    rename_chat,
    request_password_reset,
    resend_email_code,
    reset_password,
    revoke_api_key,
    revoke_invite,
    revoke_share,
    send_message,
    setup_2fa,
    share_chat,
    signup,
    update_profile_image,
    verify_email_code,
)
from subgraphs.core.types import Chat, User


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "True when the invite code can be used to sign up. Unknown, used up, expired "
            "and revoked codes all answer false."
        ),
        directives=[public()],  # asked before signing up
    )
    async def check_invite_token_valid(self, info: strawberry.Info, token: str) -> bool:
        return await request_scope(info.context).service.invites().is_valid(token)

    check_username_valid = check_username_valid.field
    chats = chat_queries.chats_field
    chat = chat_queries.chat_field
    chat_messages = chat_queries.chat_messages_field
    shared_chat = chat_queries.shared_chat_field
    api_keys = api_keys_field
    credit_balance = credit_fields.credit_balance_field
    usage_history = credit_fields.usage_history_field
    admin_users = admin_queries.admin_users_field
    invites = admin_queries.invites_field


@strawberry.type
class Mutation:
    """Account operations (the guide's /v1/auth/*): one module each in mutations/."""

    signup = signup.field
    verify_email_code = verify_email_code.field
    resend_email_code = resend_email_code.field
    setup_2fa = setup_2fa.field
    confirm_2fa = confirm_2fa.field
    login = login.field
    refresh = refresh.field
    logout = logout.field
    request_password_reset = request_password_reset.field
    reset_password = reset_password.field
    send_message = send_message.field
    rename_chat = rename_chat.field
    delete_message = delete_message.field
    delete_chat = delete_chat.field
    cancel_reply = cancel_reply.field
    share_chat = share_chat.field
    revoke_share = revoke_share.field
    update_profile_image = update_profile_image.field
    create_api_key = create_api_key.field
    revoke_api_key = revoke_api_key.field
    grant_credits = credit_fields.grant_credits_field
    disable_user = disable_user.field
    enable_user = enable_user.field
    create_invite = create_invite.field
    revoke_invite = revoke_invite.field


schema = MatewaySchema(query=Query, mutation=Mutation, types=[User, Chat])
