# The PGO training run (cmake/pgo.cmake), as a script: cmake -DHSMSIM=<instrumented hsmsim>
# -DSCENARIOS=<scenario files, '|'-separated> -DWORK_DIR=<scratch directory> -P pgo-train.cmake
#
# What the profile should teach GCC is a served request's path, so the bulk of the training
# is the e2e bench's own scenario (1 KiB Encrypt requests through the whole stack); the
# shipped scenarios add the control plane, faults, quotas and the outputs. Every run is
# seeded, so the same sources always give the same profile. A run that fails fails the build:
# a profile of an error path would optimize the wrong code.
foreach(var HSMSIM SCENARIOS WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "pgo-train.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(train)
  execute_process(COMMAND ${HSMSIM} ${ARGN} --quiet --out ${WORK_DIR}/out
                  WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "PGO training: `hsmsim ${ARGN}` exited with ${rc}")
  endif()
endfunction()

execute_process(COMMAND ${HSMSIM} bench e2e --print-scenario OUTPUT_FILE ${WORK_DIR}/bench-e2e.yaml
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "PGO training: `hsmsim bench e2e --print-scenario` exited with ${rc}")
endif()
train(run ${WORK_DIR}/bench-e2e.yaml)

string(REPLACE "|" ";" scenarios "${SCENARIOS}")
foreach(s IN LISTS scenarios)
  train(run ${s})
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
