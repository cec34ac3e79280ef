# Get Connected - socket programming exercises with an autograder.
#
#   make            build bin/grader (installing what is missing first)
#   make check      grade your work in exercises/ (EX=<exercise-id> for one)
#   make test       test the kit itself (solutions, skeletons, broken variants, JSON)
#   make bench      time the grading of the reference solutions

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Igrader
LDLIBS  += -lcriterion -ljansson

GRADER_SRC := $(wildcard grader/*.c) $(wildcard grader/suites/*.c)
GRADER_OBJ := $(patsubst grader/%.c,build/grader/%.o,$(GRADER_SRC))
# The helpers the unit tests exercise: everything but the command line, runner and suites.
HELPER_OBJ  := $(filter-out build/grader/main.o build/grader/runner.o build/grader/suites/%,$(GRADER_OBJ))
UNIT_SRC    := $(wildcard tests/unit/*.c)

.PHONY: all deps check test bench clean

all: deps bin/grader

deps:
	@sh grader/install-deps.sh

bin/grader: $(GRADER_OBJ)
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/grader/%.o: grader/%.c $(wildcard grader/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

check: all
	@bin/grader grade $(if $(EX),--exercise $(EX)) exercises

build/unit-tests: $(UNIT_SRC) $(HELPER_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

test: all build/unit-tests
	@bash tests/run.sh

bench: all
	@bash tests/benchmark.sh

clean:
	rm -rf bin build
