from rest_framework import serializers

from core.validation import StrictRequestSerializer

from ..models import PREMISE_MAX, TEXT_MAX, TITLE_MAX, Asset, Beat, Project, Story


class AssetSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    beat_id = serializers.UUIDField(allow_null=True, read_only=True)
    project_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = Asset
        fields = [
            "id", "kind", "url", "prompt", "status", "placeholder",
            "published_at", "project_id", "beat_id", "created_at",
        ]  # fmt: skip

    def get_url(self, asset: Asset) -> str:
        return asset.file.url if asset.file else ""


class BeatSerializer(serializers.ModelSerializer):
    image = AssetSerializer(read_only=True, allow_null=True)
    animation = AssetSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Beat
        fields = ["id", "order", "title", "description", "image", "animation", "updated_at"]


class BeatUpdateSerializer(StrictRequestSerializer):
    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class BeatCreateSerializer(BeatUpdateSerializer):
    title = serializers.CharField(max_length=TITLE_MAX)
    position = serializers.IntegerField(min_value=0, required=False, help_text="0-based; the end when absent")


class BeatChooseSerializer(StrictRequestSerializer):
    asset_id = serializers.UUIDField()


class BeatVariantsSerializer(serializers.Serializer):
    images = AssetSerializer(many=True)
    videos = AssetSerializer(many=True)
    chosen_image_id = serializers.UUIDField(allow_null=True)
    chosen_video_id = serializers.UUIDField(allow_null=True)


class BeatReorderSerializer(StrictRequestSerializer):
    beat_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=200)


class StorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Story
        fields = ["version", "title", "logline", "genre", "characters", "created_at"]


class StoryVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)
    job_id = serializers.UUIDField(source="generation_job_id", allow_null=True)
    beat_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Story
        fields = [
            "version",
            "title",
            "logline",
            "genre",
            "premise",
            "quality",
            "is_current",
            "created_by",
            "job_id",
            "beat_count",
            "created_at",
        ]


class StoryVersionDetailSerializer(StoryVersionSerializer):
    beats = serializers.SerializerMethodField()

    class Meta(StoryVersionSerializer.Meta):
        fields = [*StoryVersionSerializer.Meta.fields, "characters", "beats"]

    def get_beats(self, story: Story) -> list[dict]:
        return BeatSerializer(self.context["beats"], many=True).data


class FilmSerializer(serializers.Serializer):
    clips = AssetSerializer(many=True, help_text="The chosen videos of the current beats, in order")
    animatics = AssetSerializer(many=True, help_text="Whole-project videos, newest first")
    film = AssetSerializer(allow_null=True, help_text="The clips joined into one MP4, when built")
    failed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the last join failed (no credits are charged for a join); null after a success"
    )


class ProjectSerializer(serializers.ModelSerializer):
    story = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ["id", "title", "premise", "genre", "story", "created_at", "updated_at", "deleted_at"]

    def get_story(self, project: Project) -> dict | None:
        stories = getattr(project, "current_stories", None)
        if stories is None:  # a project not read through the selectors
            stories = list(project.stories.filter(is_current=True))
        return StorySerializer(stories[0]).data if stories else None


class ProjectWriteSerializer(StrictRequestSerializer):
    title = serializers.CharField(max_length=TITLE_MAX)
    premise = serializers.CharField(max_length=PREMISE_MAX, required=False, allow_blank=True)
    genre = serializers.CharField(max_length=60, required=False, allow_blank=True)


class PublicContentSerializer(AssetSerializer):
    project_title = serializers.CharField(source="project.title")
    beat_title = serializers.CharField(source="beat.title", allow_null=True, default=None)
    permalink = serializers.SerializerMethodField()

    class Meta(AssetSerializer.Meta):
        fields = ["id", "kind", "url", "permalink", "project_title", "beat_title", "published_at"]

    def get_permalink(self, asset: Asset) -> str:
        return f"/gallery/{asset.id}/"
