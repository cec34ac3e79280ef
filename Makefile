# Get Connected - socket programming exercises with an autograder.
#
#   make            build bin/grader and the kit's code in students' programs (installing what is
#                   missing first)
#   make check      grade your work in exercises/ (EX=<exercise-id> for one; HTML=1 also
#                   writes .grades/report.html, each failed check's conversation drawn)
#   make status     every exercise's state and score, and what to do next
#   make hint EX=<exercise-id>   the next hint for that exercise
#   make watch [EX=<exercise-id>]   grade again on every save
#   make test       test the kit itself, every part; ends with "N passed, N failed, N skipped (why)"
#   make test-PART  one part: lint format unit grading san ui docker (tests/run.sh [PART...])
#   make lint       shellcheck on the kit's shell scripts
#   make format     rewrite the grader's C files in the kit's style (.clang-format)
#   make format-check   list the files `make format` would change (fails when there are any)
#   make SANITIZE=1 bin-san/grader and build-san/unit-tests, built with ASan and UBSan
#   make bench      time the grading: solutions, skeletons and broken variants side by side,
#                   then a class in containers against one by one (make bench-class alone)
#                   (RUNS=N runs each, default 3; EX=<exercise-id> for one)
#   make rubric     rewrite the exercise READMEs' grading tables from the suites
#   make docker     build the kit's Docker image (get-connected), even where no image can be pulled
#   make docker-check [EX=...]   `make check` inside that image, on your exercises/
#   make docker-shell            a shell inside that image, with your exercises/ mounted
#   make gradescope build dist/gradescope-autograder.zip for Gradescope
#   make dist       build dist/get-connected-<version>.tar.gz, the student release

CC      ?= cc
CFLAGS  ?= -O2 -g
# Warnings are errors in CI (make WERROR=1), never in a student's build: a newer compiler with
# new warnings must not stop `make check`.
CFLAGS  += -std=gnu11 -Wall -Wextra $(if $(WERROR),-Werror) -Igrader
LDLIBS  += -lcriterion -ljansson
# The grader links Criterion statically where its archives are installed (libcriterion-dev,
# libboxfort-dev, libnanopb-dev): libcriterion.so loads libgit2 and a dozen libraries behind it
# (TLS, SSH, Kerberos) for diffs the grader never draws, and Criterion starts every check in a
# fresh process of the grader: 2-3 ms of CPU per check, a quarter of a CPU-second per student.
# Elsewhere the shared library, as before. (The unit tests draw Criterion's diffs: shared.)
CRITERION_STATIC := $(shell for lib in criterion boxfort protobuf-nanopb; do \
                      $(CC) -print-file-name=lib$$lib.a | grep -q / || exit 1; done && echo yes)
ifeq ($(CRITERION_STATIC),yes)
GRADER_LIBS := -Wl,-Bstatic -lcriterion -lboxfort -lprotobuf-nanopb -Wl,-Bdynamic \
               -Wl,--push-state,--as-needed -lnanomsg -lffi -Wl,--pop-state -ljansson
else
GRADER_LIBS := $(LDLIBS)
endif

# make SANITIZE=1: the grader and the unit tests with AddressSanitizer and UBSan, as students'
# programs always are. Objects and binaries go to build-san/ and bin-san/, never mixed with the
# normal build's (a make without SANITIZE must not link a sanitized object, or the reverse).
ifdef SANITIZE
BUILD   := build-san
BIN     := bin-san
# GCC's manual advises against -Werror with sanitizers: their instrumentation makes warnings
# misfire (GCC 12: "null format string" in text_printf). The normal build has -Werror in CI.
CFLAGS  := $(filter-out -Werror,$(CFLAGS)) -fsanitize=address,undefined -fno-omit-frame-pointer
else
BUILD   := build
BIN     := bin
endif
GRADER  := $(BIN)/grader
# The kit's own code in the students' programs: see the kit target below.
KIT_SRC   := $(wildcard grader/support/*/*)
KIT_BUILT := build/kit/.built

GRADER_SRC := $(wildcard grader/*.c) $(wildcard grader/suites/*.c)
GRADER_OBJ := $(patsubst grader/%.c,$(BUILD)/grader/%.o,$(GRADER_SRC))
# The helpers the unit tests exercise: everything but the commands, the runner, the suites and
# startup.c (which keeps libgit2 from starting: the unit tests draw Criterion's diffs).
HELPER_OBJ  := $(filter-out $(addprefix $(BUILD)/grader/,main.o startup.o runner.o report_hooks.o batch.o status.o hint.o watch.o \
               class_report.o suites/%),$(GRADER_OBJ))
UNIT_SRC    := $(wildcard tests/unit/*.c)

# The C files `make format` rewrites: the grader's and its unit tests'. Not the skeletons in
# exercises/ (students' files, laid out to teach), nor solutions/ (the broken variants in
# tests/ are patches against their exact lines), nor the other hands' submissions in tests/,
# nor framing.h, the students' header, which must stay identical to exercises/'s.
FORMAT_SRC := $(filter-out grader/support/05-stream-framing/framing.h, \
              $(wildcard grader/*.[ch] grader/suites/*.c grader/support/*/*.[ch] tests/unit/*.c) \
              grader/suite-template.c.in)
# The kit's shell scripts, for `make lint` (the files tests/run.sh sources say their shell).
SHELL_SCRIPTS := $(wildcard *.sh .ci/run tests/*.sh grader/*.sh docker/*.sh docker/*/*.sh) \
                 docker/gradescope/run_autograder

IMAGE   ?= get-connected
# The student's exercises/ and .grades/ mounted where the image's kit has them, so that results
# outlive the container and `make status` on the host reads them. The container starts as root
# only for as-student, which gives the student's files' owner to the `student` user and runs
# the command as it. Interactive (-t) only when there is a terminal, so that scripts work too.
DOCKER_RUN = mkdir -p .grades && docker run --rm -i $$([ -t 0 ] && echo -t) \
             --user 0:0 --security-opt no-new-privileges \
             -v "$(CURDIR)/exercises:/opt/get-connected/exercises" \
             -v "$(CURDIR)/.grades:/opt/get-connected/.grades" \
             -w /opt/get-connected $(IMAGE) as-student
# Docker is there and answers, and the image is built (once), or a clear message.
NEED_DOCKER = sh docker/need-docker.sh

.PHONY: rubric all kit deps check status hint watch test bench bench-class clean docker docker-check docker-shell gradescope dist \
        lint format format-check

all: deps $(GRADER) $(KIT_BUILT) $(if $(SANITIZE),$(BUILD)/unit-tests)

deps:
	@sh grader/install-deps.sh

# Quiet by default (students see one line per file); make V=1 shows the commands.
Q = $(if $(V),,@)

$(GRADER): $(GRADER_OBJ)
	@mkdir -p $(BIN)
	@$(if $(V),,echo "  LINK  $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $(GRADER_OBJ) $(GRADER_LIBS)

# The kit's own code in the students' programs (the tracer, 05's drivers), compiled by the
# grader itself with the flags it grades with (grader build-kit, see grader/kitcode.h): once,
# here, so that grading need not compile it each time. Always in build/kit (a sanitized grader
# links the same objects into the programs it grades).
kit: $(KIT_BUILT)

$(KIT_BUILT): $(GRADER) $(KIT_SRC)
	@$(if $(V),,echo "  KIT   build/kit")
	$(Q)$(GRADER) build-kit build/kit && touch $@

$(BUILD)/grader/%.o: grader/%.c $(wildcard grader/*.h)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC    $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

check: all
	@$(GRADER) grade --save .grades $(if $(HTML),--html .grades/report.html) $(if $(EX),--exercise $(EX)) exercises

status: all
	@$(GRADER) status

hint: all
	@$(GRADER) hint $(if $(EX),$(EX),$$(echo "make hint EX=<exercise-id>" >&2; exit 2))

watch: all
	@$(GRADER) watch $(if $(EX),--exercise $(EX)) exercises

$(BUILD)/unit-tests: $(UNIT_SRC) $(HELPER_OBJ)
	@$(if $(V),,echo "  LINK  $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# make test runs every part of tests/run.sh (see there which run side by side); make test-PART
# one part alone, e.g. make test-unit.
test: test-all
test-%: all $(BUILD)/unit-tests
	@test -d solutions || { echo "make test needs the full kit (solutions/, tests/): this is the student release"; exit 2; }
	@sh tests/install-test-deps.sh
	@bash tests/run.sh $(filter-out all,$*)

lint:
	@sh grader/apt-install.sh "make lint" "" $$(command -v shellcheck >/dev/null 2>&1 || echo shellcheck)
	@shellcheck -x -P SCRIPTDIR $(SHELL_SCRIPTS)

# clang-format 14 (Debian bookworm's, what CI has): another version may lay a few lines out
# differently, so format-check is only as strict as the version it runs.
format:
	@sh grader/apt-install.sh "make format" "" $$(command -v clang-format >/dev/null 2>&1 || echo clang-format)
	@clang-format -i --style=file $(FORMAT_SRC)

format-check:
	@sh grader/apt-install.sh "make format-check" "" $$(command -v clang-format >/dev/null 2>&1 || echo clang-format)
	@bad=$$(for f in $(FORMAT_SRC); do clang-format --style=file "$$f" | cmp -s - "$$f" || echo "$$f"; done); \
	if [ -n "$$bad" ]; then \
	    echo "make format-check: not in the kit's style (.clang-format); make format rewrites them:"; \
	    printf '  %s\n' $$bad; exit 1; \
	fi

# The grading tables of the exercise READMEs, from the suites (the rubric's one source).
rubric: all
	@sh grader/rubric-tables.sh

bench: all
	@RUNS="$(RUNS)" EX="$(EX)" bash tests/benchmark.sh
	@echo
	@$(MAKE) --no-print-directory bench-class

# A class of STUDENTS (default 20) copies of solutions/ through `grader batch` (JOBS=N: --jobs).
bench-class: all
	@$(NEED_DOCKER) "make bench-class" $(IMAGE)
	@STUDENTS="$(STUDENTS)" JOBS="$(JOBS)" IMAGE="$(IMAGE)" bash tests/bench-class.sh

docker:
	@$(NEED_DOCKER) "make docker"
	@IMAGE="$(IMAGE)" sh docker/build-image.sh

docker-check:
	@$(NEED_DOCKER) "make docker-check" "$(IMAGE)"
	@$(DOCKER_RUN) make -s check $(if $(EX),EX=$(EX)) $(if $(HTML),HTML=$(HTML))

docker-shell:
	@$(NEED_DOCKER) "make docker-shell" "$(IMAGE)"
	@$(DOCKER_RUN) bash

gradescope:
	@sh grader/apt-install.sh "make gradescope" "" $$(command -v zip >/dev/null 2>&1 || echo zip)
	@sh docker/gradescope/build.sh

dist:
	@sh docker/make-dist.sh

clean:
	rm -rf bin build bin-san build-san dist
