# --jit-cache end to end (binary_translate/trace_disk_cache.h): a run stores its compiled
# traces, the next run of the same guest loads them instead of compiling and prints the same;
# files that are not whole entries are refused, the guest still runs right, and they are
# written again.
#   -DTRAPEZE=exe -DROM=file -DDIR=cache-dir -DEXPECT=stdout
file(REMOVE_RECURSE "${DIR}")
# SYNC: the guest waits for each trace, so that every run requests the same traces (the same
# keys) and they are all there before it ends.
set(run ${CMAKE_COMMAND} -E env TRAPEZE_JIT_THRESHOLD=64 TRAPEZE_JIT_SYNC=1
    ${TRAPEZE} run pc -bios ${ROM} -debugcon stdio -no-reboot -d jit --jit-cache ${DIR})
set(stats "jit: disk cache [^:]*: ([0-9]+) of the traces loaded from it [(]([0-9]+) asked for before their block got hot[)]; ([0-9]+) entries loaded, ([0-9]+) written, ([0-9]+) rejected")

# STEP -> loaded, written, rejected (the run's figures) in STEP_loaded etc.
function(run_once step)
  execute_process(COMMAND ${run} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  if(NOT rc EQUAL 0 OR NOT out STREQUAL "${EXPECT}")
    message(FATAL_ERROR "${step}: exit ${rc}, printed '${out}', expected '${EXPECT}'\n${err}")
  endif()
  if(NOT err MATCHES "${stats}")
    message(FATAL_ERROR "${step}: no disk cache line in -d jit:\n${err}")
  endif()
  if(NOT CMAKE_MATCH_1 EQUAL CMAKE_MATCH_3)
    message(FATAL_ERROR "${step}: ${CMAKE_MATCH_1} traces from disk but ${CMAKE_MATCH_3} entries loaded\n${err}")
  endif()
  set(${step}_asked ${CMAKE_MATCH_2} PARENT_SCOPE)
  set(${step}_loaded ${CMAKE_MATCH_3} PARENT_SCOPE)
  set(${step}_written ${CMAKE_MATCH_4} PARENT_SCOPE)
  set(${step}_rejected ${CMAKE_MATCH_5} PARENT_SCOPE)
endfunction()

run_once(first)
if(NOT first_loaded EQUAL 0 OR first_written LESS 1 OR NOT first_rejected EQUAL 0)
  message(FATAL_ERROR "first run: ${first_loaded} loaded, ${first_written} written, ${first_rejected} rejected")
endif()
file(GLOB entries "${DIR}/*/*.trace")
list(LENGTH entries n)
if(NOT n EQUAL first_written)
  message(FATAL_ERROR "${first_written} entries written, ${n} files in ${DIR}")
endif()

# The second run asks for them from the directory's index as soon as their blocks are seen
# (before the threshold), the same traces: every one is loaded, none compiled.
run_once(second)
if(NOT second_loaded EQUAL first_written OR NOT second_written EQUAL 0 OR NOT second_rejected EQUAL 0 OR
   NOT second_asked EQUAL first_written)
  message(FATAL_ERROR "second run: ${second_loaded} loaded (${second_asked} asked for before hot), ${second_written} "
                      "written, ${second_rejected} rejected; expected ${first_written} loaded and nothing compiled")
endif()

foreach(f ${entries})
  file(WRITE "${f}" "not a compiled trace")
endforeach()
run_once(damaged)
if(NOT damaged_loaded EQUAL 0 OR NOT damaged_written EQUAL first_written OR NOT damaged_rejected EQUAL first_written)
  message(FATAL_ERROR "damaged files: ${damaged_loaded} loaded, ${damaged_written} written, ${damaged_rejected} rejected; "
                      "expected all ${first_written} rejected and written again")
endif()

run_once(again)
if(NOT again_loaded EQUAL first_written)
  message(FATAL_ERROR "after rewriting: ${again_loaded} loaded, expected ${first_written}")
endif()
# Files whose heads are whole (the run's index lists them, so each trace is asked for from
# the loader) but whose ends are cut off: each load fails once, and the trace is compiled
# instead and written again (the loader hands it to the compiling thread, which does not
# read the file a second time).
file(GLOB entries "${DIR}/*/*.trace")
foreach(f ${entries})
  execute_process(COMMAND truncate -s -1 "${f}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "truncate -s -1 ${f} failed")
  endif()
endforeach()
run_once(cut)
if(NOT cut_asked EQUAL first_written OR NOT cut_loaded EQUAL 0 OR NOT cut_rejected EQUAL first_written OR
   NOT cut_written EQUAL first_written)
  message(FATAL_ERROR "cut files: ${cut_asked} asked for, ${cut_loaded} loaded, ${cut_rejected} rejected, "
                      "${cut_written} written; expected all ${first_written} asked for, rejected and written again")
endif()
run_once(after_cut)
if(NOT after_cut_loaded EQUAL first_written)
  message(FATAL_ERROR "after the cut files were written again: ${after_cut_loaded} loaded, expected ${first_written}")
endif()

# Under --lockstep (the run cut into quanta, so other blocks and traces than a plain run's):
# a second lockstep run loads the first one's traces, and they agree with the interpreter at
# every quantum.
file(REMOVE_RECURSE "${DIR}")
foreach(step lockstep_cold lockstep_warm)
  execute_process(COMMAND ${run} --lockstep RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  if(NOT rc EQUAL 0 OR NOT err MATCHES "lockstep: no difference in [1-9][0-9]* comparisons" OR NOT err MATCHES "${stats}")
    message(FATAL_ERROR "${step}: exit ${rc}\n${err}")
  endif()
  set(${step}_loaded ${CMAKE_MATCH_3})
endforeach()
if(lockstep_warm_loaded LESS 1)
  message(FATAL_ERROR "the second lockstep run loaded no trace")
endif()
file(REMOVE_RECURSE "${DIR}")
