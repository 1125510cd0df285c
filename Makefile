# The two commands: `make run` (the demo: demo data, demo accounts) and `make test` (everything
# CI runs). A production start is `flask --app server serve` (see README, 上线你的区县).
.PHONY: run test test-fast lint openapi migrate bootstrap

run:
	@./scripts/bootstrap.sh
	@.venv/bin/flask --app server serve --demo $(if $(PORT),--port $(PORT),)

test:
	@./scripts/test.sh

# The inner loop: the static checks, then one pytest pass (embedded, or TEST_DATABASE_URL /
# TEST_REDIS_URL when set) without the browser and slow tests. `make test` stays the whole suite.
test-fast:
	@./scripts/bootstrap.sh --test
	@./scripts/lint.sh
	@.venv/bin/python -m pytest -m "not browser and not slow" -q $(ARGS)

bootstrap:
	@./scripts/bootstrap.sh --test

lint:
	@./scripts/lint.sh

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
	@.venv/bin/flask --app server db upgrade
	@.venv/bin/flask --app server seed-demo
	@.venv/bin/flask --app server posters --unit-code YD01001 --size A4 -o out/poster-A4.png
	@.venv/bin/flask --app server posters --unit-code YD --size A4 -o out/district-posters.pdf
