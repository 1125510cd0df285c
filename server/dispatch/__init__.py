"""Assignment and dispatch (指派调度): the case workflow and deadlines."""
