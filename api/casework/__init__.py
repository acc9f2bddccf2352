"""Casework web pages: sign-in, the link worker's case list and case page, the agency inbox."""
