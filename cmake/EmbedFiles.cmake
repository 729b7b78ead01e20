# embed_files(TARGET <target> NAMESPACE <ns> FUNCTION <fn> FILES <files...>)
# Generates a source file that returns the files' names and contents, so that SQL and seed
# files live as files in the tree and still ship inside the binary.
function(embed_files)
  cmake_parse_arguments(EMBED "" "TARGET;NAMESPACE;FUNCTION;BASE" "FILES" ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${EMBED_FUNCTION}_embedded.cpp")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAMESPACE=${EMBED_NAMESPACE} -DFUNCTION=${EMBED_FUNCTION}
            -DBASE=${EMBED_BASE} "-DFILES=${EMBED_FILES}" -P "${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake"
    DEPENDS ${EMBED_FILES} "${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake"
    COMMENT "Embedding files for ${EMBED_NAMESPACE}::${EMBED_FUNCTION}"
    VERBATIM)
  target_sources(${EMBED_TARGET} PRIVATE "${out}")
endfunction()
