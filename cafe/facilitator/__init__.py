"""The facilitator's side of an event: the event list and form, the control page and its
``/facilitator`` namespace, the verbs that run an event (phases, timer, moderation)."""
