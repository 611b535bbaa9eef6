// Operand specifier evaluation (VAX ARM, chapter "Instruction Formats and Addressing Modes").
// Specifiers are evaluated in order, with their register side effects, before the
// instruction executes; read and modify operands are read here, write operands are written by
// the semantics handler through write_operand().
#include "isa/vax/cpu.h"

namespace trapeze::vax {

namespace {

// A short literal in a floating context (VAX ARM, "Literal mode"): exponent literal<5:3>,
// fraction literal<2:0>, value 0.1fff * 2^exp.
uint64_t float_literal(uint8_t literal, DataType type) {
    uint32_t e = (literal >> 3) & 7, f = literal & 7;
    switch (type) {
    case DataType::f_float:
    case DataType::d_float: return ((e + 128) << 7) | (f << 4);
    case DataType::g_float: return ((e + 1024) << 4) | (f << 1);
    default: return literal;
    }
}

uint64_t mask_for(unsigned size) { return size >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * size)) - 1; }

}  // namespace

void VaxCpu::evaluate_specifier(const OperandSpec& spec, Operand& op) {
    const unsigned size = spec.type.size();
    op.size = static_cast<uint8_t>(size);
    const vax::Access access = spec.type.access;
    if (access == vax::Access::branch) {
        op.kind = Operand::kValue;
        op.addr = spec.address;
        return;
    }
    uint32_t index_value = spec.indexed ? r[spec.index_reg] : 0;
    uint32_t addr = 0;
    switch (spec.mode) {
    case SpecifierMode::short_literal:
        op.kind = Operand::kValue;
        op.value = is_floating(spec.type.type) ? float_literal(spec.literal, spec.type.type) : spec.literal;
        return;
    case SpecifierMode::register_mode:
        op.kind = Operand::kRegister;
        op.reg = spec.reg;
        if (access == vax::Access::read || access == vax::Access::modify) {
            uint64_t v = r[spec.reg];
            if (size == 8) v |= uint64_t{r[(spec.reg + 1) & 15]} << 32;
            op.value = v & mask_for(size);
        }
        return;
    case SpecifierMode::immediate:
        if (access != vax::Access::read || spec.indexed) {
            // Immediate mode is (PC)+: the operand is the data in the instruction stream, and a
            // modify or write operand writes it there (EHKAA checks this).
            addr = r[kPC] + spec.offset + (spec.indexed ? 2 : 1);
            break;
        }
        op.kind = Operand::kValue;
        op.value = spec.immediate_value() & mask_for(size);
        return;
    case SpecifierMode::register_deferred: addr = r[spec.reg]; break;
    case SpecifierMode::autodecrement:
        r[spec.reg] -= size;
        addr = r[spec.reg];
        break;
    case SpecifierMode::autoincrement:
        addr = r[spec.reg];
        r[spec.reg] += size;
        break;
    case SpecifierMode::autoincrement_deferred:
        addr = read(r[spec.reg], 4);
        r[spec.reg] += 4;
        break;
    case SpecifierMode::absolute: addr = spec.address; break;
    case SpecifierMode::byte_displacement:
    case SpecifierMode::word_displacement:
    case SpecifierMode::long_displacement: addr = r[spec.reg] + static_cast<uint32_t>(spec.displacement); break;
    case SpecifierMode::byte_displacement_deferred:
    case SpecifierMode::word_displacement_deferred:
    case SpecifierMode::long_displacement_deferred:
        addr = read(r[spec.reg] + static_cast<uint32_t>(spec.displacement), 4);
        break;
    case SpecifierMode::byte_relative:
    case SpecifierMode::word_relative:
    case SpecifierMode::long_relative: addr = spec.address; break;
    case SpecifierMode::byte_relative_deferred:
    case SpecifierMode::word_relative_deferred:
    case SpecifierMode::long_relative_deferred: addr = read(spec.address, 4); break;
    case SpecifierMode::branch: break;
    }
    if (spec.indexed) addr += index_value * size;
    op.kind = Operand::kMemory;
    op.addr = addr;
    if (access == vax::Access::read || access == vax::Access::modify) {
        if (size == 8) op.value = read64(addr);
        else if (size <= 4) op.value = read(addr, size);
        else reserved_instruction();  // octaword/H: not on the KA655
    }
}

void VaxCpu::evaluate_operands(Insn& in) {
    const DecodedInsn& d = *in.d;
    // r[PC] during evaluation is the instruction's address; immediate addresses use it.
    for (unsigned i = 0; i < d.operand_count; ++i) evaluate_specifier(d.operands[i], in.op[i]);
}

void VaxCpu::write_operand(const Operand& op, uint64_t value) {
    switch (op.kind) {
    case Operand::kRegister: {
        uint32_t& reg = r[op.reg];
        switch (op.size) {
        case 1: reg = (reg & ~0xFFu) | (value & 0xFF); break;
        case 2: reg = (reg & ~0xFFFFu) | (value & 0xFFFF); break;
        case 4: reg = static_cast<uint32_t>(value); break;
        default:
            reg = static_cast<uint32_t>(value);
            r[(op.reg + 1) & 15] = static_cast<uint32_t>(value >> 32);
            break;
        }
        break;
    }
    case Operand::kMemory:
        if (op.size == 8) write64(op.addr, value);
        else write(op.addr, op.size, static_cast<uint32_t>(value));
        break;
    case Operand::kValue: break;  // immediate as a destination: UNPREDICTABLE, ignored
    }
}

}  // namespace trapeze::vax
