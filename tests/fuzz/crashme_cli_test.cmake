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

# The MicroVAX 3900 campaigns as a user runs them.
execute_process(COMMAND ${TRAPEZE} fuzz crashme --machine microvax3900 --seed 5 --iterations 3000 --cpl 3
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "crashme microvax3900 exited ${rc}: ${err}")
endif()
foreach(want "crashme: seed 5" "crashme microvax3900: seed 5, user mode, 3000 iterations"
        "streams ended by SCB vector:.* 0x10:[0-9]+.* 0x20:[0-9]+" "double errors \\(CPU halts\\) 0" "host faults: 0")
  if(NOT out MATCHES "${want}")
    message(FATAL_ERROR "crashme microvax3900 output lacks '${want}':\n${out}")
  endif()
endforeach()
execute_process(COMMAND ${TRAPEZE} fuzz iofuzz --machine microvax3900 --seed 9 --operations 20000
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "iofuzz microvax3900: seed 9" OR NOT out MATCHES "20140000\\+[0-9A-F]+:[1-9]"
   OR NOT out MATCHES "host faults: 0" OR NOT err STREQUAL "")
  message(FATAL_ERROR "iofuzz microvax3900 exited ${rc}:\n${out}\n${err}")
endif()
foreach(bad "crashme;--machine;microvax3900;-cpu;i386" "crashme;--machine;vax780" "iofuzz;--machine;microvax3900;--cpl;3")
  execute_process(COMMAND ${TRAPEZE} fuzz ${bad} --iterations 1
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX MATCHALL "\n" lines "${err}")
  list(LENGTH lines n)
  if(NOT rc EQUAL 1 OR NOT n EQUAL 1 OR NOT err MATCHES "^trapeze: ")
    message(FATAL_ERROR "fuzz ${bad}: status ${rc}, stderr '${err}' (want status 1 and one line)")
  endif()
endforeach()

# A value with a newline in it (found by cli_args_fuzzer): still one line, shown escaped.
string(ASCII 10 nl)
execute_process(COMMAND ${TRAPEZE} fuzz crashme --machine "vax${nl}780" --iterations 1
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCHALL "\n" lines "${err}")
list(LENGTH lines n)
if(NOT rc EQUAL 1 OR NOT n EQUAL 1 OR NOT err MATCHES "unknown machine 'vax\\\\x0a780'")
  message(FATAL_ERROR "fuzz crashme --machine 'vax\\n780': status ${rc}, stderr '${err}' (want status 1 and one line)")
endif()

# Regression (found by a random seed in fuzz.sanitized_campaigns): a stream that points SCBB at
# non-existent memory and then faults made the vector fetch raise a machine check inside
# exception dispatch, which escaped the VAX CPU. The KA655 takes a CPU double-error halt there.
execute_process(COMMAND ${TRAPEZE} fuzz crashme --machine microvax3900 --seed 505278513 --iterations 69147
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "double errors \\(CPU halts\\) [1-9]" OR NOT out MATCHES "host faults: 0")
  message(FATAL_ERROR "crashme seed 505278513 exited ${rc}:\n${out}\n${err}")
endif()
