# pingyi — `make run` serves the app on a project-local PostgreSQL; `make test` runs every test.
SHELL := /bin/bash
BIN := bin/pingyi
GO_FILES := $(shell find cmd internal migrations web -name '*.go' -o -name '*.sql' -o -name '*.templ' -o -name '*.css' -o -name '*.js' 2>/dev/null)

.PHONY: run test bench faults cluster-test fuzz generate build vet lint clean-data

build: $(BIN)

$(BIN): $(GO_FILES) go.mod go.sum
	@mkdir -p bin
	go build -o $(BIN) ./cmd/pingyi

## run: boot PostgreSQL (or use DATABASE_URL), migrate, load the demo once, serve.
run: $(BIN)
	@.ci/ensure-deps run
	@exec $(BIN) dev

## test: every test, on a throwaway PostgreSQL (or DATABASE_URL's server).
test:
	@.ci/ensure-deps test
	go vet ./...
	PINGYI_NO_SKIP=1 go test -count=1 -timeout 20m ./...

## bench: the benchmarks, with their figures. The last line is the voting summary.
bench: $(BIN)
	@.ci/ensure-deps run
	go test -run '^$$' -bench . -benchmem ./internal/rules/
	go test -run '^$$' -bench CountyProposals -benchmem -benchtime 5x ./internal/store/
	go test -run '^$$' -bench Box -benchmem -benchtime 5x ./internal/store/
	go test -run '^$$' -bench 'Slips2000|PublicCommitmentPage' -benchmem -benchtime 5x ./internal/web/
	$(BIN) bench

## faults: cast 2,000 ballots at 32 raters while the app is killed, PostgreSQL is stopped
## in immediate mode and a proxy drops commit replies; the last line is the count.
faults: $(BIN)
	@.ci/ensure-deps run
	$(BIN) faults

## cluster-test: a county meeting day on loopback — a primary, a streaming standby,
## PgBouncer (transaction pooling) and two app replicas, one killed mid-run; 20 townships,
## 2,000 raters. The last line has ballots/s, p99 and the public page p95. `make test`
## runs a small version (internal/cluster).
cluster-test: $(BIN)
	@.ci/ensure-deps cluster
	$(BIN) cluster

## fuzz: run the rules fuzz target for FUZZTIME (default 60s).
FUZZTIME ?= 60s
fuzz:
	go test -run '^$$' -fuzz FuzzEvaluate -fuzztime $(FUZZTIME) ./internal/rulescli/

## vet: go vet over every package.
vet:
	go vet ./...

## lint: gofmt, go vet, staticcheck, generated templ files and go.mod as committed.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := bin/staticcheck-$(STATICCHECK_VERSION)
lint: $(STATICCHECK)
	@.ci/lint $(STATICCHECK)

# staticcheck 2026.2.2 is module version v0.8.2; built into bin/ so go.mod stays the app's.
$(STATICCHECK):
	@mkdir -p bin
	GOBIN=$(CURDIR)/bin/.staticcheck go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv bin/.staticcheck/staticcheck $@ && rmdir bin/.staticcheck

## generate: regenerate templ components (generated files are committed).
generate:
	go tool templ generate

## clean-data: remove `make run`'s local database (wherever it was put).
clean-data: $(BIN)
	@$(BIN) clean-data
