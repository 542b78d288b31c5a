"""Chats in core (the guide's /v1/chat/*): encrypted messages and titles, shares, cancel.

ids        UUIDv7 ids (time-ordered, made before encrypting: the AAD binds them), cursors
store      the chats, messages and chat_shares rows in Directus, always filtered by owner
service    ChatService: send, list, read, rename, delete (crypto-shredding)
sharing    share links (token hashed, key only in the URL fragment), shared reads, revoke
cancel     stop signals for running replies over Redis pub/sub, and the listening side
keys       the process's ChatKeyManager (shared.crypto)
"""
