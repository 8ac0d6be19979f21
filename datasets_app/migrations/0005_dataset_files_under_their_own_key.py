"""Dataset files move from `datasets/<project slug>/v<N>` (which a renamed project's freed slug let
another project's export overwrite) to a key of each version's own, `datasets/versions/<uuid>`, never
reused; the storage path becomes unique. Files are moved in storage and checked against their recorded
SHA-256 on the way; a file whose bytes no longer match is left where it was and the migration stops,
naming it, rather than blessing poisoned data under the new key."""
import hashlib
import uuid

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import migrations, models


def _relocate(version, new_prefix: str) -> None:  # noqa: ANN001
    """Check every file first (streaming), then copy them all: nothing is copied for a poisoned version."""
    for entry in version.files:
        old = f"{version.storage_path}/{entry['path']}"
        digest = hashlib.sha256()
        with default_storage.open(old, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        if entry.get("sha256") and digest.hexdigest() != entry["sha256"]:
            raise RuntimeError(
                f"dataset version #{version.pk}: {old} does not match its recorded SHA-256; it was changed after "
                "the build (e.g. overwritten by another project's export). Restore it or delete the version, then migrate."
            )
    for entry in version.files:
        new = f"{new_prefix}/{entry['path']}"
        with default_storage.open(f"{version.storage_path}/{entry['path']}", "rb") as handle:
            saved = default_storage.save(new, File(handle, name=entry["path"].rsplit("/", 1)[-1]))
        if saved != new:
            raise RuntimeError(f"storage saved {new} as {saved}")


def move_files(apps, schema_editor) -> None:  # noqa: ANN001
    dataset_version = apps.get_model("datasets_app", "DatasetVersion")
    for version in dataset_version.objects.exclude(storage_path="").exclude(storage_path__startswith="datasets/versions/"):
        new_prefix = f"datasets/versions/{uuid.uuid4().hex}"
        _relocate(version, new_prefix)
        old_prefix = version.storage_path
        version.storage_path = new_prefix
        version.save(update_fields=["storage_path"])
        for entry in version.files:
            if default_storage.exists(f"{old_prefix}/{entry['path']}"):
                default_storage.delete(f"{old_prefix}/{entry['path']}")


class Migration(migrations.Migration):

    dependencies = [
        ('datasets_app', '0004_dataset_build_jobs'),
    ]

    operations = [
        migrations.RunPython(move_files, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='datasetversion',
            constraint=models.UniqueConstraint(condition=models.Q(('storage_path', ''), _negated=True), fields=('storage_path',), name='unique_dataset_storage_path'),
        ),
    ]
