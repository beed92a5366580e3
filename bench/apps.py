from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Scale data and benchmarks. Only management commands: no models, no URLs."""

    name = "bench"
    verbose_name = "Benchmarks"
