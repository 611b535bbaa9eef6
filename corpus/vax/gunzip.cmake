# cmake -DSRC=FILE.gz -DDST=FILE -P gunzip.cmake
# Decompresses a shared-corpus file into the build tree once: nothing happens when DST exists
# and is newer than SRC (the 4.3BSD disk image is 12 MB; the tests and benches/vax-boot.sh
# share the copy). The guest images themselves stay in ../shared/corpus, never in the repository.
if(NOT SRC OR NOT DST)
  message(FATAL_ERROR "gunzip.cmake: give -DSRC=FILE.gz -DDST=FILE")
endif()
if(NOT EXISTS "${SRC}")
  message(FATAL_ERROR "gunzip.cmake: ${SRC} does not exist")
endif()
if(EXISTS "${DST}" AND "${DST}" IS_NEWER_THAN "${SRC}")
  return()
endif()
get_filename_component(dir "${DST}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
execute_process(COMMAND gzip -dc "${SRC}" OUTPUT_FILE "${DST}.tmp" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE "${DST}.tmp")
  message(FATAL_ERROR "gunzip.cmake: gzip -dc ${SRC} failed (${rc})")
endif()
file(RENAME "${DST}.tmp" "${DST}")
