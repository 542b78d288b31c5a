"""The signed-in user's profile: the profile image (avatar)."""
