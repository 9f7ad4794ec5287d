import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("studio", "0003_beats_belong_to_their_story_version")]

    operations = [
        migrations.AlterField(
            model_name="beat",
            name="story",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="beats", to="studio.story"
            ),
        ),
        migrations.AddConstraint(
            model_name="beat",
            constraint=models.UniqueConstraint(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=("story", "order"),
                name="beat_story_order_unique",
            ),
        ),
    ]
