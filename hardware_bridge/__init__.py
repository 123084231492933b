"""The hardware bridge: the shop's printers, cash drawer and scanners.

Rendering (pure: receipts and kitchen tickets to ESC/POS bytes, text and PNG;
scanned codes) lives in ``text``, ``receipt``, ``template``, ``render*``,
``kitchen`` and ``barcodes``; sending (the durable queue, the transports, the
status poller) in ``queue``, ``transport`` and ``status``, over the
``hw.printer`` and ``hw.print.job`` models (models/hardware.py).
"""
