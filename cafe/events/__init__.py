"""Creating and running an event: plans, the control page, phases, timer, moderation."""
