"""Roles and sharing: the one place that answers "may this actor do that to this object?"."""
