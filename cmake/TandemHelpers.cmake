# Shared CMake helpers for Tandem's own targets.

# Turns on the warnings our own code must build clean with. Generated proto
# code is compiled without them.
function(tandem_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()

# Embeds a folder of NNNN_name.sql migrations into a library, so a binary
# carries its schema and needs no files at run time.
#   tandem_embed_migrations(TARGET support_migrations COMPONENT support
#     FUNCTION SupportMigrations DIR ${CMAKE_CURRENT_SOURCE_DIR}/migrations)
# The library defines `tandem::MigrationSet FUNCTION()`, declared in the
# generated header `<component>_migrations.h`.
function(tandem_embed_migrations)
  cmake_parse_arguments(ARG "" "TARGET;COMPONENT;FUNCTION;DIR" "" ${ARGN})
  file(GLOB sql_files CONFIGURE_DEPENDS "${ARG_DIR}/*.sql")
  list(SORT sql_files)
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/embedded")
  set(out_cc "${out_dir}/${ARG_COMPONENT}_migrations.cc")
  set(out_h "${out_dir}/${ARG_COMPONENT}_migrations.h")
  add_custom_command(
    OUTPUT "${out_cc}" "${out_h}"
    COMMAND ${CMAKE_COMMAND}
      -DCOMPONENT=${ARG_COMPONENT} -DFUNCTION=${ARG_FUNCTION} -DOUT_CC=${out_cc} -DOUT_H=${out_h}
      "-DSQL_FILES=${sql_files}"
      -P "${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake"
    DEPENDS ${sql_files} "${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake"
    COMMENT "Embedding ${ARG_COMPONENT} migrations"
    VERBATIM)
  add_library(${ARG_TARGET} STATIC "${out_cc}")
  target_include_directories(${ARG_TARGET} PUBLIC "${out_dir}")
  target_link_libraries(${ARG_TARGET} PUBLIC tandem_common)
endfunction()
