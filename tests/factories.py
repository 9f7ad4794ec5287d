import factory

from accounts import services as account_services
from accounts.models import Membership, Organization, User

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    """Users are made the way signup makes them: with their personal organization."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return account_services.user_create(
            email=kwargs["email"],
            password=kwargs["password"],
            name=kwargs.get("name", ""),
            is_staff=kwargs.get("is_staff", False),
        )


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Studio {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MEMBER
