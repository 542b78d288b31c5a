"""The core app: users, invite codes and chats on Directus (accounts come with identity)."""
