# Certificates become public only through publication (R3.8): the publish service sets this.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('certificates', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='certificate',
            name='published_at',
            field=models.DateTimeField(blank=True, editable=False, help_text='set only by publication.services.publish_release (R3.8); public answers need it', null=True),
        ),
    ]
