"""factory_boy factories shared by the whole suite."""
import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from annotation.models import Item, Membership, Project, Prompt, Response


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-verdict-123")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        if extracted:
            group, _ = Group.objects.get_or_create(name=extracted)
            self.groups.add(group)
        self.save()


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    overlap = 2


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)


class PromptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prompt

    project = factory.SubFactory(ProjectFactory)
    messages = factory.Sequence(lambda n: [{"role": "user", "content": f"Question number {n}?"}])


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    prompt = factory.SubFactory(PromptFactory)
    text = factory.Sequence(lambda n: f"Answer number {n}.")
    model_name = "test-model"


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    project = factory.SubFactory(ProjectFactory)
    prompt = factory.SubFactory(PromptFactory, project=factory.SelfAttribute("..project"))
    response_1 = factory.SubFactory(ResponseFactory, prompt=factory.SelfAttribute("..prompt"))
    response_2 = factory.SubFactory(ResponseFactory, prompt=factory.SelfAttribute("..prompt"))


def attribute_scores_for(item: Item, value: int = 3) -> dict[str, dict[str, int]]:
    """Scores for every response of an item, keyed by the slots shown ("A", "B"), as the API takes them."""
    slots = ["A", "B"] if item.response_2_id else ["A"]
    return {slot: {name: value for name in item.project.attribute_names} for slot in slots}
