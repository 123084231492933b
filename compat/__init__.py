"""Odoo's wire formats as pure functions over plain data (no I/O, no models).

What Odoo clients key their behaviour on lives here: the shape of error
objects and XML-RPC faults, ``session_info``, version information, and the
XML-RPC value rules. Every function is tested without a server.
"""
