"""Rendering, videos and figures."""
