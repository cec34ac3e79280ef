# Get Connected - socket programming exercises with an autograder.
#
#   make            build bin/grader (installing what is missing first)
#   make check      grade your work in exercises/ (EX=<exercise-id> for one)
#   make status     every exercise's state and score, and what to do next
#   make hint EX=<exercise-id>   the next hint for that exercise
#   make watch [EX=<exercise-id>]   grade again on every save
#   make test       test the kit itself (solutions, skeletons, broken variants, JSON)
#   make bench      time the grading: solutions, skeletons and broken variants side by side
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

GRADER_SRC := $(wildcard grader/*.c) $(wildcard grader/suites/*.c)
GRADER_OBJ := $(patsubst grader/%.c,build/grader/%.o,$(GRADER_SRC))
# The helpers the unit tests exercise: everything but the commands, the runner and the suites.
HELPER_OBJ  := $(filter-out build/grader/main.o build/grader/runner.o build/grader/batch.o \
               build/grader/status.o build/grader/hint.o build/grader/watch.o build/grader/class_report.o \
               build/grader/suites/%,$(GRADER_OBJ))
UNIT_SRC    := $(wildcard tests/unit/*.c)

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

.PHONY: rubric all deps check status hint watch test bench clean docker docker-check docker-shell gradescope dist

all: deps bin/grader

deps:
	@sh grader/install-deps.sh

# Quiet by default (students see one line per file); make V=1 shows the commands.
Q = $(if $(V),,@)

bin/grader: $(GRADER_OBJ)
	@mkdir -p bin
	@$(if $(V),,echo "  LINK  $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/grader/%.o: grader/%.c $(wildcard grader/*.h)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC    $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

check: all
	@bin/grader grade --save .grades $(if $(EX),--exercise $(EX)) exercises

status: all
	@bin/grader status

hint: all
	@bin/grader hint $(if $(EX),$(EX),$$(echo "make hint EX=<exercise-id>" >&2; exit 2))

watch: all
	@bin/grader watch $(if $(EX),--exercise $(EX)) exercises

build/unit-tests: $(UNIT_SRC) $(HELPER_OBJ)
	@$(if $(V),,echo "  LINK  $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

test: all build/unit-tests
	@test -d solutions || { echo "make test needs the full kit (solutions/, tests/): this is the student release"; exit 2; }
	@sh tests/install-test-deps.sh
	@bash tests/run.sh

# The grading tables of the exercise READMEs, from the suites (the rubric's one source).
rubric: all
	@sh grader/rubric-tables.sh

bench: all
	@RUNS="$(RUNS)" EX="$(EX)" bash tests/benchmark.sh

docker:
	@$(NEED_DOCKER) "make docker"
	@IMAGE="$(IMAGE)" sh docker/build-image.sh

docker-check:
	@$(NEED_DOCKER) "make docker-check" "$(IMAGE)"
	@$(DOCKER_RUN) make -s check $(if $(EX),EX=$(EX))

docker-shell:
	@$(NEED_DOCKER) "make docker-shell" "$(IMAGE)"
	@$(DOCKER_RUN) bash

gradescope:
	@sh grader/apt-install.sh "make gradescope" "" $$(command -v zip >/dev/null 2>&1 || echo zip)
	@sh docker/gradescope/build.sh

dist:
	@sh docker/make-dist.sh

clean:
	rm -rf bin build dist
