// Popek-Goldberg classification of the IA-32 instruction table by experiment (DESIGN.md §4,
// docs/classification.md). For every row of isa/x86/forms.inc the classifier encodes an
// instance, runs it in the laboratory (x86_lab.h) under states that differ in one respect at
// a time, and derives the class, the kinds of sensitivity and the trap condition from what
// differed. The row's own PG columns are only *compared* with the result, never used for it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "isa/x86/cpu_model.h"
#include "isa/x86/instruction_table.h"

namespace trapeze::analysis {

struct Evidence {
    std::string experiment;  // privilege, mode, system-state, location, control, io, trap-condition, ...
    std::string state;       // the scenario and configuration(s) compared
    std::string finding;     // what differed
};

struct FormVerdict {
    uint16_t form = 0;
    std::string id;            // row id (forms.inc)
    std::string mnemonic;      // canonical mnemonic (the paper's name where it has one)
    std::string instance;      // Intel syntax of the instance that was run
    std::string bytes;         // its encoding, hex
    bool encoded = false;
    bool absent = false;       // the model lacks the form: #UD at every CPL
    x86::PgClass pg_class = x86::PgClass::kInnocuous;
    uint8_t sensitivity = 0;   // x86::Sensitivity bits found by experiment
    bool user_sensitive = false;  // sensitive in experiments run at CPL 3 (Theorem 3)
    x86::TrapCondition trap = x86::TrapCondition::kNever;
    std::vector<Evidence> evidence;
    // The table's claim for this model, and the disassemblers' opinion.
    x86::PgClass table_class = x86::PgClass::kInnocuous;
    uint8_t table_sensitivity = 0;
    x86::TrapCondition table_trap = x86::TrapCondition::kNever;
    bool zydis_privileged = false;
    bool capstone_privileged = false;
};

struct Disagreement {
    std::string form;
    std::string what;  // "class", "sensitivity", "trap condition", "zydis", "capstone"
    std::string text;
};

struct Classification {
    std::string isa = "x86";
    std::string model;
    std::string model_description;
    std::vector<FormVerdict> forms;
    bool theorem1 = false;  // sensitive ⊆ privileged
    bool theorem3 = false;  // user-sensitive ⊆ privileged
    std::vector<std::string> sensitive_unprivileged_mnemonics;  // sorted, unique
    std::vector<std::string> user_sensitive_unprivileged_mnemonics;
    std::vector<Disagreement> table_disagreements;       // class and trap condition
    std::vector<Disagreement> sensitivity_notes;         // kinds the table and experiments differ on
    std::vector<Disagreement> disassembler_disagreements;  // Zydis / Capstone vs experiment
    uint64_t runs = 0;
    double seconds = 0;
};

Classification classify_x86(const x86::CpuModel& model);
// Derives the theorems, the mnemonic lists and the disagreements (table, Zydis, Capstone)
// from the verdicts; classify_x86 calls it, tests call it on edited verdicts.
void compare(Classification& c);

std::string sensitivity_text(uint8_t bits);  // "control, mode" or "none"

// Robin & Irvine 2000: the Pentium's sensitive-unprivileged instructions, their groups and
// the table rows each stands for.
struct PaperEntry {
    const char* mnemonic;
    const char* group;
    std::vector<const char*> forms;
};
const std::vector<PaperEntry>& robin_irvine();

}  // namespace trapeze::analysis
