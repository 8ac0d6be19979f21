"""The arena API bounds its lists: a checkpoint id no database column holds, or thousands of contestants,
is a 400 naming the field (an id of 2**70 reached the query and overflowed: a 500)."""
import pytest
from django.urls import reverse

from training.arena.models import Arena


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"checkpoints": [2**70]}, "checkpoints"),
        ({"checkpoints": [0]}, "checkpoints"),
        ({"checkpoints": list(range(1, 5001))}, "checkpoints"),
        ({"model_names": [f"m{i}" for i in range(5000)]}, "model_names"),
    ],
)
def test_out_of_range_ids_and_huge_lists_are_a_400(project, admin_user, client_for, body, field):
    response = client_for(admin_user).post(reverse("api-arena", args=[project.slug]), body, format="json")

    assert response.status_code == 400, response.content[:300]
    assert field in str(response.json())
    assert not Arena.objects.exists()
