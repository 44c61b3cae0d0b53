# Thin wrapper over CMake + Ninja: `make` builds everything into build/.
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all test conformance clean

all: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

test: all
	tests/run_all.sh $(BUILD)

clean:
	rm -rf $(BUILD)
