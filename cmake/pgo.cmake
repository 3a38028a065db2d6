# Profile-guided (PGO) and link-time optimization of hsmsim, made as part of a Release build
# with GCC.
#
# A served request runs through ~1,750 instructions of the project's own code, spread thin over
# the engine, the data plane and the metrics (see the e2e bench). A profile of a real run tells
# GCC which branches are taken and which calls are hot, so it lays out and inlines that path
# better than heuristics can: the e2e bench scenario went from 7,365 to 7,185 instructions per
# request (1,750 to 1,607 in hsmsim's own code; cachegrind, 2026-12-06), and to 7,104 with
# LTO on top (below); outputs unchanged.
#
# A profile matches one version of the sources only (GCC rejects a stale one), so it is never
# kept or shipped: every build makes its own. The top build adds an external project, the
# training build, in <build>/pgo-train: the same sources with the same compiler and flags,
# instrumented (-fprofile-generate), building only hsmsim. Its target pgo-profile runs the
# training (cmake/pgo-train.cmake: the e2e bench scenario and the shipped scenarios, all
# deterministic, so the profile and the binary are the same on every build) and writes the
# .gcda files to <build>/pgo-train/profile. Every object of the top build's listed targets
# depends on that run's stamp: a source change re-instruments, retrains and recompiles them.
#
# Object files are named by path relative to their build directory on both sides
# (-fprofile-prefix-path), so the two builds' profiles line up target for target.
#
# -DHSMSIM_PGO=OFF turns it off (e.g. a Release tree one edits often: a change then costs one
# recompile instead of two and a training run). It is off for other build types, sanitizer
# and fuzzing builds, and compilers other than GCC.
option(HSMSIM_PGO "Release with GCC: optimize hsmsim with a profile of a training run" ON)
# Set by the top build on the training build only: where its instrumented binary writes.
set(HSMSIM_PGO_GENERATE "" CACHE PATH "Internal: profile directory of the PGO training build")
mark_as_advanced(HSMSIM_PGO_GENERATE)

set(HSMSIM_PGO_MODE "off")
if(HSMSIM_PGO_GENERATE)
  set(HSMSIM_PGO_MODE "generate")
elseif(HSMSIM_PGO AND CMAKE_BUILD_TYPE STREQUAL "Release" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU"
       AND NOT HSMSIM_SANITIZE AND NOT HSMSIM_FUZZ)
  set(HSMSIM_PGO_MODE "use")
endif()

# What the training runs besides the bench scenario (cmake/pgo-train.cmake).
file(GLOB HSMSIM_PGO_TRAINING_SCENARIOS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/*.yaml)

# Applies the mode to `targets`: the targets that make up build/hsmsim.
function(hsmsim_pgo)
  set(targets ${ARGN})
  if(HSMSIM_PGO_MODE STREQUAL "generate")
    # Single-threaded counters: the training runs are single-threaded, and atomic updates
    # would slow them several times over.
    set(flags -fprofile-generate=${HSMSIM_PGO_GENERATE} -fprofile-prefix-path=${PROJECT_BINARY_DIR}
              -fprofile-update=single)
    foreach(t IN LISTS targets)
      target_compile_options(${t} PRIVATE ${flags})
    endforeach()
    target_link_options(hsmsim PRIVATE ${flags})
    # The script gets the scenarios this command depends on, as one argument ('|' for ';').
    string(REPLACE ";" "|" scenarios "${HSMSIM_PGO_TRAINING_SCENARIOS}")
    add_custom_command(
      OUTPUT ${PROJECT_BINARY_DIR}/pgo-profile.stamp
      # Counts of an earlier binary would be merged into the new ones: start afresh.
      COMMAND ${CMAKE_COMMAND} -E rm -rf ${HSMSIM_PGO_GENERATE}
      COMMAND ${CMAKE_COMMAND} -DHSMSIM=$<TARGET_FILE:hsmsim> -DSCENARIOS=${scenarios}
              -DWORK_DIR=${PROJECT_BINARY_DIR}/pgo-run -P ${PROJECT_SOURCE_DIR}/cmake/pgo-train.cmake
      COMMAND ${CMAKE_COMMAND} -E touch ${PROJECT_BINARY_DIR}/pgo-profile.stamp
      DEPENDS hsmsim ${PROJECT_SOURCE_DIR}/cmake/pgo-train.cmake ${HSMSIM_PGO_TRAINING_SCENARIOS}
      COMMENT "PGO: training run of the instrumented hsmsim"
      VERBATIM)
    add_custom_target(pgo-profile DEPENDS ${PROJECT_BINARY_DIR}/pgo-profile.stamp)
  elseif(HSMSIM_PGO_MODE STREQUAL "use")
    include(ExternalProject)
    set(train_dir ${PROJECT_BINARY_DIR}/pgo-train)
    set(profile_dir ${train_dir}/profile)
    set(stamp ${train_dir}/pgo-profile.stamp)
    ExternalProject_Add(
      hsmsim_pgo_training
      SOURCE_DIR ${PROJECT_SOURCE_DIR}
      BINARY_DIR ${train_dir}
      PREFIX ${train_dir}/ep
      CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
                 -DCMAKE_CXX_FLAGS=${CMAKE_CXX_FLAGS}
                 -DCMAKE_CXX_FLAGS_RELEASE=${CMAKE_CXX_FLAGS_RELEASE} -DHSMSIM_BUILD_TESTS=OFF
                 -DHSMSIM_PGO=OFF -DHSMSIM_PGO_GENERATE=${profile_dir}
      BUILD_COMMAND ${CMAKE_COMMAND} --build <BINARY_DIR> --target pgo-profile
      INSTALL_COMMAND ""
      # Its own build decides what is out of date (sources, binary, training inputs); the
      # stamp only moves when the training ran again, and only then do the objects below
      # recompile.
      BUILD_ALWAYS ON
      BUILD_BYPRODUCTS ${stamp}
      USES_TERMINAL_BUILD ON)
    # -fprofile-partial-training: code the training never ran is optimized as usual, not for
    # size; -Wno-missing-profile: so are files it never reached.
    set(flags -fprofile-use=${profile_dir} -fprofile-prefix-path=${PROJECT_BINARY_DIR}
              -fprofile-partial-training -Wno-missing-profile)
    # Link-time optimization on top: the path of a request crosses the engine, the data plane,
    # the crypto wrappers and the metrics, four libraries, and LTO lets GCC inline and lay it
    # out across them. Fat objects carry ordinary code too, so the test executables, which
    # link the same libraries, skip the LTO step (HSMSIM_NO_LTO_LINK, tests/CMakeLists.txt).
    set(lto -flto=auto -ffat-lto-objects)
    set(HSMSIM_NO_LTO_LINK -fno-lto PARENT_SCOPE)
    target_link_options(hsmsim PRIVATE ${flags} -flto=auto)
    foreach(t IN LISTS targets)
      add_dependencies(${t} hsmsim_pgo_training)
      target_compile_options(${t} PRIVATE ${flags} ${lto})
      get_target_property(sources ${t} SOURCES)
      set_property(SOURCE ${sources} TARGET_DIRECTORY ${t} APPEND PROPERTY OBJECT_DEPENDS ${stamp})
      # A source generated into each build directory (the schema text) has another path in the
      # training build, which GCC counts as a change of the function; its text is the same.
      foreach(s IN LISTS sources)
        if(s MATCHES "^${PROJECT_BINARY_DIR}/")
          set_property(SOURCE ${s} TARGET_DIRECTORY ${t} APPEND PROPERTY COMPILE_OPTIONS
                                                                       -Wno-coverage-mismatch)
        endif()
      endforeach()
    endforeach()
  endif()
endfunction()
