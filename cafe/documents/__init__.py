"""What the memo and the service-pilot report share: one engine with two registered kinds.

``kinds`` holds the registry (a kind is looked up by the event's template, never by a
string compared in place); ``revisions`` the document's revisions with the stale-save
check; ``operations`` the verbs every document has (save, merge a stale save, take the
live source in again part by part, restore a revision); ``views`` their pages, the one
editor among them; ``rendering`` the HTML → PDF and Markdown → Word machinery.
"""
