"""Notifications: DingTalk and WeCom group robots with retries and an outbox,
Markdown escaping and phone masking. Uses nothing else of redline.
"""
