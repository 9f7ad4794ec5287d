from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "studio"

    def ready(self) -> None:
        from aigen import hooks

        from .generation import on_generation_succeeded, target_for_generation

        hooks.register_target_resolver(target_for_generation)
        hooks.generation_succeeded.connect(on_generation_succeeded, dispatch_uid="studio.on_generation_succeeded")
