"""E-mail notifications: written to an outbox with their cause, sent by a worker.

- `outbox`: add messages in the caller's transaction (never commits, never sends).
- `mailer`: render one message in its recipient's language and hand it to SMTP.
- `worker`: claim due messages, send them outside any transaction, record the outcome.
- `unsubscribe`: signed opt-out links, and following spaces.
- `routes`: the unsubscribe pages and the follow / unfollow buttons.
"""
