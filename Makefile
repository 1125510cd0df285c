# The two commands: `make run` (the demo: demo data, demo accounts) and `make test` (everything
# CI runs). A production start is `flask --app server serve` (see README, 上线你的区县).
.PHONY: run test lint openapi migrate bootstrap

run:
	@./scripts/bootstrap.sh
	@.venv/bin/flask --app server serve --demo $(if $(PORT),--port $(PORT),)

test:
	@./scripts/test.sh

bootstrap:
	@./scripts/bootstrap.sh --test

lint:
	@.venv/bin/ruff check .

openapi:
	@.venv/bin/flask --app server openapi

migrate:
	@.venv/bin/flask --app server db upgrade

# One A4 poster (黄庄村) as PNG and the whole district's posters as one PDF, from the demo
# data in the instance database (migrated and seeded first if it is empty). Demo mode: the
# codes point at PUBLIC_BASE_URL, which may be this machine's address here.
.PHONY: posters
posters: export SHANGLIANG_DEMO = 1
posters:
	@./scripts/bootstrap.sh
	@.venv/bin/flask --app server db upgrade heads
	@.venv/bin/flask --app server seed-demo
	@.venv/bin/flask --app server posters --unit-code YD01001 --size A4 -o out/poster-A4.png
	@.venv/bin/flask --app server posters --unit-code YD --size A4 -o out/district-posters.pdf
