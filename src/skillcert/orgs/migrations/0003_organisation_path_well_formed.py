# Issue 13 item 5: an organisation created outside the services (the Django admin) kept path "", and a
# membership there reached every organisation. First rebuild any malformed path (and depth) from the
# parent chain, then let the database refuse malformed paths for good.

from django.db import migrations, models


def rebuild_paths(apps, schema_editor):
    Organisation = apps.get_model("orgs", "Organisation")
    parents = dict(Organisation.objects.values_list("pk", "parent_id"))
    for org in Organisation.objects.only("pk", "path", "depth", "parent_id"):
        chain, seen, node = [], set(), org.pk
        while node is not None and node not in seen:  # a cycle (only possible by hand) stops the walk
            seen.add(node)
            chain.append(node)
            node = parents.get(node)
        chain.reverse()
        path = "/" + "".join(f"{pk}/" for pk in chain)
        if org.path != path or org.depth != len(chain) - 1:
            Organisation.objects.filter(pk=org.pk).update(path=path, depth=len(chain) - 1)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
        ('orgs', '0002_roles_for_signoff_chains'),
    ]

    operations = [
        migrations.RunPython(rebuild_paths, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.CheckConstraint(condition=models.Q(('path__startswith', '/'), ('path__endswith', '/'), models.Q(('path', '/'), _negated=True), models.Q(('path__contains', '//'), _negated=True)), name='org_path_well_formed'),
        ),
    ]
