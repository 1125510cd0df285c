# The two commands: `make run` (start with demo data) and `make test` (everything CI runs).
.PHONY: run test lint openapi migrate bootstrap

run:
	@./scripts/bootstrap.sh
	@.venv/bin/flask --app server serve $(if $(PORT),--port $(PORT),)

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
