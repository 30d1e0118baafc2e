"""Topic tips: what participants' phones suggest for a next Cafe Social, listed where the
next event is planned."""
