from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Export (and later import) of the process data: CSV and XLSX."""

    name = "salesmesh.exchange"
    label = "exchange"
