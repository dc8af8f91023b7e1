from typing import Any

from skillcert.core.commands import AuditedCommand
from skillcert.core.demo import DEMO_LOGINS, demo_password, load_demo


class Command(AuditedCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        from skillcert.catalog.seed import load_catalogs

        load_catalogs()
        created = load_demo()
        summary = ", ".join(f"{k} +{v}" for k, v in created.items())
        self.stdout.write(f"demo data loaded ({summary})")
        password = demo_password()
        self.stdout.write(f"demo logins (password for all: {password}):")
        for username, full_name, org in DEMO_LOGINS:
            self.stdout.write(f"  {username:<11} {full_name}  @ {org}")
