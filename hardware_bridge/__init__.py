"""The hardware bridge: ESC/POS printers, cash drawers and barcode scanners.

Reached the way an Odoo IoT box is (``/hw_proxy/*``, ``/hw_drivers/*``) and
runnable on its own next to the printer. Nothing is built here yet: it is
the subject of its own piece of work (issue 6), which stands on the RPC
foundation and the POS models. The package exists so that the layout every
part of the design refers to is in place.
"""
