# The crashme command as a user runs it: a fixed seed reports its streams and exits 0; bad
# flags get one line and status 1.
execute_process(COMMAND ${TRAPEZE} fuzz crashme --machine pc --seed 5 --iterations 3000
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "crashme exited ${rc}: ${err}")
endif()
foreach(want "crashme: seed 5" "3000 iterations" "streams ended by exception vector:.* 6:[0-9]+.* 13:[0-9]+ 14:[0-9]+"
        "host faults: 0")
  if(NOT out MATCHES "${want}")
    message(FATAL_ERROR "crashme output lacks '${want}':\n${out}")
  endif()
endforeach()
foreach(bad "--machine;vax11" "--cpl;2" "--seed;x" "--bogus")
  execute_process(COMMAND ${TRAPEZE} fuzz crashme --machine pc ${bad} --iterations 1
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX MATCHALL "\n" lines "${err}")
  list(LENGTH lines n)
  if(NOT rc EQUAL 1 OR NOT n EQUAL 1 OR NOT err MATCHES "^trapeze: ")
    message(FATAL_ERROR "fuzz crashme ${bad}: status ${rc}, stderr '${err}' (want status 1 and one line)")
  endif()
endforeach()

# iofuzz as a user runs it.
execute_process(COMMAND ${TRAPEZE} fuzz iofuzz --machine pc --seed 9 --operations 50000
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "iofuzz: seed 9" OR NOT out MATCHES "host faults: 0" OR NOT err STREQUAL "")
  message(FATAL_ERROR "iofuzz exited ${rc}:\n${out}\n${err}")
endif()
