//! A small reader for PyTorch's `torch.save` files: the zip format (PyTorch >= 1.6: `X/data.pkl`
//! plus one raw record `X/data/<key>` per storage) and the legacy format (PyTorch < 1.6, or
//! `_use_new_zipfile_serialization=False`: five pickles in a row, then the raw storages).
//!
//! The pickle machine understands the opcodes `torch.save` and the standard pickler write
//! (protocols 0-5, binary and the simple text ones). Nothing is ever executed: a global is
//! just a (module, name) pair; the only calls it interprets are PyTorch's tensor and parameter
//! rebuilders and `collections.OrderedDict`; any other object becomes an opaque
//! [`Value::Object`], so checkpoints holding optimizer states, argparse namespaces or numpy
//! scalars beside the weights still read.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::rc::Rc;

/// Element type of a storage (from its class name, `torch.FloatStorage` ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}

impl DType {
    fn from_storage_class(name: &str) -> Option<Self> {
        Some(match name {
            "DoubleStorage" => Self::F64,
            "FloatStorage" => Self::F32,
            "HalfStorage" => Self::F16,
            "BFloat16Storage" => Self::BF16,
            "LongStorage" => Self::I64,
            "IntStorage" => Self::I32,
            "ShortStorage" => Self::I16,
            "CharStorage" => Self::I8,
            "ByteStorage" | "UntypedStorage" => Self::U8,
            "BoolStorage" => Self::Bool,
            _ => return None,
        })
    }

    pub fn size_bytes(self) -> usize {
        match self {
            Self::F64 | Self::I64 => 8,
            Self::F32 | Self::I32 => 4,
            Self::F16 | Self::BF16 | Self::I16 => 2,
            Self::I8 | Self::U8 | Self::Bool => 1,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, Self::F64 | Self::F32 | Self::F16 | Self::BF16)
    }
}

/// A storage as a persistent id names it; `offset` (elements) is non-zero only for the storage
/// views of very old legacy files.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageRef {
    pub key: String,
    pub dtype: DType,
    pub offset: usize,
}

/// A tensor: a strided view of a storage.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorRef {
    pub storage: StorageRef,
    /// In elements of the storage.
    pub offset: usize,
    pub shape: Vec<usize>,
    pub stride: Vec<usize>,
}

pub type Shared<T> = Rc<RefCell<T>>;

/// A decoded pickle value. Lists and dicts are shared (pickle objects are references: a dict
/// memoised before its items were set is the same dict afterwards).
#[derive(Debug, Clone)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// An integer too large for i64 (little-endian two's complement bytes), e.g. the legacy
    /// format's magic number.
    BigInt(Vec<u8>),
    // Floats and byte strings are parsed and held like every value (a checkpoint may carry
    // them in metadata), though nothing reads them back.
    #[allow(dead_code)]
    Float(f64),
    Str(String),
    #[allow(dead_code)]
    Bytes(Vec<u8>),
    Tuple(Vec<Value>),
    List(Shared<Vec<Value>>),
    Dict(Shared<Vec<(Value, Value)>>),
    Global {
        module: String,
        name: String,
    },
    Storage(StorageRef),
    Tensor(Rc<TensorRef>),
    /// Any other object, by its class (`module.name`).
    Object(String),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    fn kind(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) | Value::BigInt(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::Bytes(_) => "bytes".into(),
            Value::Tuple(_) => "tuple".into(),
            Value::List(_) => "list".into(),
            Value::Dict(_) => "dict".into(),
            Value::Global { module, name } => format!("global {module}.{name}"),
            Value::Storage(_) => "storage".into(),
            Value::Tensor(_) => "tensor".into(),
            Value::Object(c) => format!("object {c}"),
        }
    }
}

/// What can go wrong reading a checkpoint (the caller adds the file name).
pub type PickleResult<T> = std::result::Result<T, String>;

/// A whole checkpoint: its top-level object and the raw bytes of every storage.
pub struct TorchFile {
    pub root: Value,
    storages: HashMap<String, Vec<u8>>,
    little_endian: bool,
}

/// The legacy format's first pickle: 0x1950a86a20f9469cfc6c.
const LEGACY_MAGIC: [u8; 10] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

impl TorchFile {
    /// Reads a `torch.save` file from its bytes (zip or legacy format, told apart by the
    /// zip signature).
    pub fn parse(bytes: &[u8]) -> PickleResult<Self> {
        if bytes.starts_with(b"PK\x03\x04") {
            Self::parse_zip(bytes)
        } else if bytes.first() == Some(&0x80) {
            Self::parse_legacy(bytes)
        } else {
            Err("neither a zip archive nor a pickle (not a torch.save file?)".into())
        }
    }

    fn parse_zip(bytes: &[u8]) -> PickleResult<Self> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| format!("bad zip archive: {e}"))?;
        let names: Vec<String> = zip.file_names().map(str::to_string).collect();
        let pkl = names
            .iter()
            .find(|n| n.ends_with("data.pkl") && n.matches('/').count() <= 1)
            .ok_or("zip archive without data.pkl (not a torch.save file?)")?
            .clone();
        let base = &pkl[..pkl.len() - "data.pkl".len()];
        let mut read_entry = |name: &str| -> PickleResult<Vec<u8>> {
            let mut entry = zip
                .by_name(name)
                .map_err(|e| format!("zip entry {name}: {e}"))?;
            let mut v = Vec::new();
            entry
                .read_to_end(&mut v)
                .map_err(|e| format!("zip entry {name}: {e}"))?;
            Ok(v)
        };
        let little_endian = match names.iter().any(|n| *n == format!("{base}byteorder")) {
            true => read_entry(&format!("{base}byteorder"))?.trim_ascii() != b"big",
            false => true,
        };
        let data_pkl = read_entry(&pkl)?;
        let mut pos = 0;
        let root = Machine::new(&data_pkl).run(&mut pos)?;
        let mut storages = HashMap::new();
        let data_dir = format!("{base}data/");
        for name in &names {
            if let Some(key) = name.strip_prefix(&data_dir)
                && !key.is_empty()
                && !key.contains('/')
            {
                storages.insert(key.to_string(), read_entry(name)?);
            }
        }
        Ok(Self {
            root,
            storages,
            little_endian,
        })
    }

    fn parse_legacy(bytes: &[u8]) -> PickleResult<Self> {
        let mut pos = 0;
        match Machine::new(bytes).run(&mut pos)? {
            Value::BigInt(b) if b == LEGACY_MAGIC => {}
            _ => return Err("a pickle, but not a torch.save file (no magic number)".into()),
        }
        match Machine::new(bytes).run(&mut pos)? {
            Value::Int(1001) => {}
            other => {
                return Err(format!(
                    "legacy torch.save protocol {other:?} (only 1001 is known)"
                ));
            }
        }
        let mut little_endian = true;
        if let Value::Dict(info) = Machine::new(bytes).run(&mut pos)? {
            for (k, v) in info.borrow().iter() {
                if let (Some("little_endian"), Value::Bool(b)) = (k.as_str(), v) {
                    little_endian = *b;
                }
            }
        }
        let mut main = Machine::new(bytes);
        let root = main.run(&mut pos)?;
        let dtypes = main.storage_dtypes;
        let keys = match Machine::new(bytes).run(&mut pos)? {
            Value::List(l) => l.borrow().clone(),
            other => return Err(format!("legacy storage key list is a {}", other.kind())),
        };
        let mut storages = HashMap::new();
        for key in keys {
            let key = match key {
                Value::Str(s) => s,
                Value::Int(i) => i.to_string(),
                other => return Err(format!("legacy storage key is a {}", other.kind())),
            };
            let dtype = *dtypes
                .get(&key)
                .ok_or_else(|| format!("storage {key} is listed but never used"))?;
            let head = bytes
                .get(pos..pos + 8)
                .ok_or_else(|| format!("file ends before storage {key}"))?;
            let mut n = [0u8; 8];
            n.copy_from_slice(head);
            let numel = if little_endian {
                u64::from_le_bytes(n)
            } else {
                u64::from_be_bytes(n)
            } as usize;
            let len = numel
                .checked_mul(dtype.size_bytes())
                .ok_or_else(|| format!("storage {key}: absurd size {numel}"))?;
            let data = bytes
                .get(pos + 8..pos + 8 + len)
                .ok_or_else(|| format!("file ends inside storage {key}"))?;
            storages.insert(key, data.to_vec());
            pos += 8 + len;
        }
        Ok(Self {
            root,
            storages,
            little_endian,
        })
    }

    /// A tensor's values in row-major order, converted to f32.
    pub fn tensor_f32(&self, t: &TensorRef) -> PickleResult<Vec<f32>> {
        let data = self
            .storages
            .get(&t.storage.key)
            .ok_or_else(|| format!("storage {} is missing", t.storage.key))?;
        let size = t.storage.dtype.size_bytes();
        let available = data.len() / size;
        let n: usize = t.shape.iter().product();
        if t.stride.len() != t.shape.len() {
            return Err(format!(
                "tensor of shape {:?} with strides {:?}",
                t.shape, t.stride
            ));
        }
        let mut out = Vec::with_capacity(n);
        if n == 0 {
            return Ok(out);
        }
        let base = t.storage.offset + t.offset;
        let last: usize = base
            + t.shape
                .iter()
                .zip(&t.stride)
                .map(|(d, s)| (d - 1) * s)
                .sum::<usize>();
        if last >= available {
            return Err(format!(
                "tensor of shape {:?} reaches element {last} of storage {} ({available} elements)",
                t.shape, t.storage.key
            ));
        }
        let mut index = vec![0usize; t.shape.len()];
        for _ in 0..n {
            let at = base
                + index
                    .iter()
                    .zip(&t.stride)
                    .map(|(i, s)| i * s)
                    .sum::<usize>();
            let b = &data[at * size..(at + 1) * size];
            out.push(self.element(b, t.storage.dtype));
            for axis in (0..index.len()).rev() {
                index[axis] += 1;
                if index[axis] < t.shape[axis] {
                    break;
                }
                index[axis] = 0;
            }
        }
        Ok(out)
    }

    fn element(&self, b: &[u8], dtype: DType) -> f32 {
        let mut a = [0u8; 8];
        a[..b.len()].copy_from_slice(b);
        if !self.little_endian {
            a[..b.len()].reverse();
        }
        match dtype {
            DType::F64 => f64::from_le_bytes(a) as f32,
            DType::F32 => f32::from_le_bytes([a[0], a[1], a[2], a[3]]),
            DType::F16 => half::f16::from_le_bytes([a[0], a[1]]).to_f32(),
            DType::BF16 => half::bf16::from_le_bytes([a[0], a[1]]).to_f32(),
            DType::I64 => i64::from_le_bytes(a) as f32,
            DType::I32 => i32::from_le_bytes([a[0], a[1], a[2], a[3]]) as f32,
            DType::I16 => i16::from_le_bytes([a[0], a[1]]) as f32,
            DType::I8 => a[0] as i8 as f32,
            DType::U8 | DType::Bool => a[0] as f32,
        }
    }
}

/// The pickle virtual machine (one pickle: from PROTO/first opcode to STOP).
struct Machine<'a> {
    data: &'a [u8],
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
    /// Element type of every storage seen (the legacy format needs it to size the raw data).
    storage_dtypes: HashMap<String, DType>,
}

impl<'a> Machine<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            storage_dtypes: HashMap::new(),
        }
    }

    fn take(&self, pos: &mut usize, n: usize) -> PickleResult<&'a [u8]> {
        let s = self
            .data
            .get(*pos..*pos + n)
            .ok_or_else(|| format!("pickle ends unexpectedly at byte {}", *pos))?;
        *pos += n;
        Ok(s)
    }

    fn u8(&self, pos: &mut usize) -> PickleResult<u8> {
        Ok(self.take(pos, 1)?[0])
    }

    fn u16(&self, pos: &mut usize) -> PickleResult<u16> {
        let b = self.take(pos, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&self, pos: &mut usize) -> PickleResult<u32> {
        let b = self.take(pos, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&self, pos: &mut usize) -> PickleResult<usize> {
        let b = self.take(pos, 8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        usize::try_from(u64::from_le_bytes(a)).map_err(|_| "length too large".to_string())
    }

    fn line(&self, pos: &mut usize) -> PickleResult<&'a str> {
        let rest = &self.data[(*pos).min(self.data.len())..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| format!("unterminated text at byte {}", *pos))?;
        *pos += end + 1;
        std::str::from_utf8(&rest[..end]).map_err(|_| format!("bad text at byte {}", *pos))
    }

    fn pop(&mut self) -> PickleResult<Value> {
        self.stack
            .pop()
            .ok_or_else(|| "pickle stack underflow".into())
    }

    fn pop_mark(&mut self) -> PickleResult<Vec<Value>> {
        let mark = self.marks.pop().ok_or("pickle MARK missing")?;
        if mark > self.stack.len() {
            return Err("pickle MARK beyond the stack".into());
        }
        Ok(self.stack.split_off(mark))
    }

    fn top(&mut self) -> PickleResult<&mut Value> {
        self.stack
            .last_mut()
            .ok_or_else(|| "pickle stack underflow".into())
    }

    fn memo_get(&self, i: u32) -> PickleResult<Value> {
        self.memo
            .get(&i)
            .cloned()
            .ok_or_else(|| format!("pickle memo entry {i} missing"))
    }

    fn memo_put(&mut self, i: u32) -> PickleResult<()> {
        let v = self.stack.last().cloned().ok_or("pickle stack underflow")?;
        self.memo.insert(i, v);
        Ok(())
    }

    fn text(bytes: &[u8]) -> String {
        // Python 2 `str` (BINSTRING) may be any bytes; names and keys are ASCII in practice.
        String::from_utf8_lossy(bytes).into_owned()
    }

    fn run(&mut self, pos: &mut usize) -> PickleResult<Value> {
        loop {
            let at = *pos;
            let op = self.u8(pos)?;
            match op {
                0x80 => {
                    self.u8(pos)?; // PROTO
                }
                0x95 => {
                    self.take(pos, 8)?; // FRAME
                }
                b'.' => return self.pop(), // STOP
                b'(' => self.marks.push(self.stack.len()),
                b'}' => self
                    .stack
                    .push(Value::Dict(Rc::new(RefCell::new(Vec::new())))),
                b']' => self
                    .stack
                    .push(Value::List(Rc::new(RefCell::new(Vec::new())))),
                b')' => self.stack.push(Value::Tuple(Vec::new())),
                0x8f => self.stack.push(Value::Object("builtins.set".into())), // EMPTY_SET
                b't' => {
                    let items = self.pop_mark()?;
                    self.stack.push(Value::Tuple(items));
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    if self.stack.len() < n {
                        return Err("pickle stack underflow".into());
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.stack.push(Value::Tuple(items));
                }
                b'l' => {
                    let items = self.pop_mark()?;
                    self.stack.push(Value::List(Rc::new(RefCell::new(items))));
                }
                b'd' => {
                    let items = self.pop_mark()?;
                    let pairs = pairs(items)?;
                    self.stack.push(Value::Dict(Rc::new(RefCell::new(pairs))));
                }
                0x91 => {
                    self.pop_mark()?; // FROZENSET
                    self.stack.push(Value::Object("builtins.frozenset".into()));
                }
                0x90 => {
                    self.pop_mark()?; // ADDITEMS (to a set: opaque)
                }
                b'q' => {
                    let i = self.u8(pos)? as u32;
                    self.memo_put(i)?;
                }
                b'r' => {
                    let i = self.u32(pos)?;
                    self.memo_put(i)?;
                }
                0x94 => {
                    let i = self.memo.len() as u32; // MEMOIZE
                    self.memo_put(i)?;
                }
                b'p' => {
                    let i = self.line(pos)?.trim().parse().map_err(|_| "bad PUT")?;
                    self.memo_put(i)?;
                }
                b'h' => {
                    let i = self.u8(pos)? as u32;
                    let v = self.memo_get(i)?;
                    self.stack.push(v);
                }
                b'j' => {
                    let i = self.u32(pos)?;
                    let v = self.memo_get(i)?;
                    self.stack.push(v);
                }
                b'g' => {
                    let i = self.line(pos)?.trim().parse().map_err(|_| "bad GET")?;
                    let v = self.memo_get(i)?;
                    self.stack.push(v);
                }
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.stack.push(v);
                }
                b'N' => self.stack.push(Value::None),
                0x88 => self.stack.push(Value::Bool(true)),
                0x89 => self.stack.push(Value::Bool(false)),
                b'J' => {
                    let v = self.u32(pos)? as i32 as i64;
                    self.stack.push(Value::Int(v));
                }
                b'K' => {
                    let v = self.u8(pos)? as i64;
                    self.stack.push(Value::Int(v));
                }
                b'M' => {
                    let v = self.u16(pos)? as i64;
                    self.stack.push(Value::Int(v));
                }
                0x8a | 0x8b => {
                    let n = if op == 0x8a {
                        self.u8(pos)? as usize
                    } else {
                        self.u32(pos)? as usize
                    };
                    let b = self.take(pos, n)?;
                    self.stack.push(long(b));
                }
                b'I' => {
                    let s = self.line(pos)?.trim();
                    self.stack.push(match s {
                        "01" => Value::Bool(true),
                        "00" => Value::Bool(false),
                        _ => Value::Int(s.parse().map_err(|_| format!("bad INT {s:?}"))?),
                    });
                }
                b'L' => {
                    let s = self.line(pos)?.trim().trim_end_matches('L');
                    let v = s.parse().map_err(|_| format!("bad LONG {s:?}"))?;
                    self.stack.push(Value::Int(v));
                }
                b'F' => {
                    let s = self.line(pos)?.trim();
                    let v = s.parse().map_err(|_| format!("bad FLOAT {s:?}"))?;
                    self.stack.push(Value::Float(v));
                }
                b'G' => {
                    let b = self.take(pos, 8)?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    self.stack.push(Value::Float(f64::from_be_bytes(a)));
                }
                b'X' | 0x8c | 0x8d => {
                    let n = match op {
                        b'X' => self.u32(pos)? as usize,
                        0x8c => self.u8(pos)? as usize,
                        _ => self.u64(pos)?,
                    };
                    let b = self.take(pos, n)?;
                    let s = std::str::from_utf8(b)
                        .map_err(|_| format!("bad UTF-8 string at byte {at}"))?;
                    self.stack.push(Value::Str(s.to_string()));
                }
                b'T' | b'U' => {
                    let n = if op == b'T' {
                        self.u32(pos)? as usize
                    } else {
                        self.u8(pos)? as usize
                    };
                    let b = self.take(pos, n)?;
                    self.stack.push(Value::Str(Self::text(b)));
                }
                b'B' | b'C' | 0x8e | 0x96 => {
                    let n = match op {
                        b'B' => self.u32(pos)? as usize,
                        b'C' => self.u8(pos)? as usize,
                        _ => self.u64(pos)?,
                    };
                    let b = self.take(pos, n)?;
                    self.stack.push(Value::Bytes(b.to_vec()));
                }
                b'c' => {
                    let module = self.line(pos)?.to_string();
                    let name = self.line(pos)?.to_string();
                    self.stack.push(Value::Global { module, name });
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module, name) {
                        (Value::Str(module), Value::Str(name)) => {
                            self.stack.push(Value::Global { module, name })
                        }
                        _ => return Err(format!("STACK_GLOBAL without names at byte {at}")),
                    }
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let v = self.reduce(callable, args)?;
                    self.stack.push(v);
                }
                0x81 => {
                    let _args = self.pop()?; // NEWOBJ
                    let cls = self.pop()?;
                    self.stack.push(Value::Object(class_name(&cls)));
                }
                0x92 => {
                    let _kwargs = self.pop()?; // NEWOBJ_EX
                    let _args = self.pop()?;
                    let cls = self.pop()?;
                    self.stack.push(Value::Object(class_name(&cls)));
                }
                b'b' => {
                    // BUILD: object state (an OrderedDict's `_metadata`, a namespace's fields):
                    // not needed.
                    self.pop()?;
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    if let Value::Dict(d) = self.top()? {
                        d.borrow_mut().push((k, v));
                    }
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let items = pairs(items)?;
                    if let Value::Dict(d) = self.top()? {
                        d.borrow_mut().extend(items);
                    }
                }
                b'a' => {
                    let v = self.pop()?;
                    if let Value::List(l) = self.top()? {
                        l.borrow_mut().push(v);
                    }
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    if let Value::List(l) = self.top()? {
                        l.borrow_mut().extend(items);
                    }
                }
                b'Q' => {
                    let pid = self.pop()?;
                    let v = self.persistent_load(pid)?;
                    self.stack.push(v);
                }
                b'P' => {
                    let pid = self.line(pos)?.to_string();
                    let v = self.persistent_load(Value::Str(pid))?;
                    self.stack.push(v);
                }
                other => {
                    return Err(format!(
                        "unsupported pickle opcode 0x{other:02x} at byte {at}"
                    ));
                }
            }
        }
    }

    /// `('storage', StorageClass, key, location, numel[, view])`.
    fn persistent_load(&mut self, pid: Value) -> PickleResult<Value> {
        let items = match pid {
            Value::Tuple(items) => items,
            other => return Err(format!("persistent id is a {}", other.kind())),
        };
        match items.first().and_then(Value::as_str) {
            Some("storage") => {}
            Some(other) => return Err(format!("persistent id of kind {other:?}")),
            None => return Err("persistent id without a kind".into()),
        }
        let class = items.get(1).map(class_name).unwrap_or_default();
        let short = class.rsplit('.').next().unwrap_or_default();
        let dtype = DType::from_storage_class(short)
            .ok_or_else(|| format!("storage of unknown type {class}"))?;
        let key = match items.get(2) {
            Some(Value::Str(s)) => s.clone(),
            Some(Value::Int(i)) => i.to_string(),
            _ => return Err("storage without a key".into()),
        };
        self.storage_dtypes.insert(key.clone(), dtype);
        // Legacy storage views: (view_key, offset, size), offset in elements of the root.
        let offset = match items.get(5) {
            Some(Value::Tuple(view)) => match view.get(1) {
                Some(Value::Int(o)) if *o >= 0 => *o as usize,
                _ => return Err("bad storage view".into()),
            },
            _ => 0,
        };
        Ok(Value::Storage(StorageRef { key, dtype, offset }))
    }

    fn reduce(&mut self, callable: Value, args: Value) -> PickleResult<Value> {
        let name = class_name(&callable);
        let args = match args {
            Value::Tuple(a) => a,
            other => return Err(format!("{name} called with a {}", other.kind())),
        };
        match name.as_str() {
            "torch._utils._rebuild_tensor" | "torch._utils._rebuild_tensor_v2" => {
                let storage = match args.first() {
                    Some(Value::Storage(s)) => s.clone(),
                    _ => return Err(format!("{name} without a storage")),
                };
                let offset = usize_arg(args.get(1), "storage offset")?;
                let shape = usize_tuple(args.get(2), "size")?;
                let stride = usize_tuple(args.get(3), "stride")?;
                Ok(Value::Tensor(Rc::new(TensorRef {
                    storage,
                    offset,
                    shape,
                    stride,
                })))
            }
            // nn.Parameter: the tensor itself.
            "torch._utils._rebuild_parameter" | "torch._utils._rebuild_parameter_with_state" => {
                Ok(args.into_iter().next().unwrap_or(Value::None))
            }
            "collections.OrderedDict" | "builtins.dict" | "__builtin__.dict" => {
                let items = match args.into_iter().next() {
                    None => Vec::new(),
                    Some(Value::List(l)) => l
                        .borrow()
                        .iter()
                        .filter_map(|p| match p {
                            Value::Tuple(kv) if kv.len() == 2 => {
                                Some((kv[0].clone(), kv[1].clone()))
                            }
                            _ => None,
                        })
                        .collect(),
                    Some(Value::Dict(d)) => d.borrow().clone(),
                    Some(_) => Vec::new(),
                };
                Ok(Value::Dict(Rc::new(RefCell::new(items))))
            }
            _ => Ok(Value::Object(name)),
        }
    }
}

fn class_name(v: &Value) -> String {
    match v {
        Value::Global { module, name } => format!("{module}.{name}"),
        other => other.kind(),
    }
}

fn pairs(items: Vec<Value>) -> PickleResult<Vec<(Value, Value)>> {
    if !items.len().is_multiple_of(2) {
        return Err("odd number of dict items".into());
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}

/// LONG1/LONG4: little-endian two's complement.
fn long(b: &[u8]) -> Value {
    if b.len() <= 8 {
        let negative = b.last().is_some_and(|x| x & 0x80 != 0);
        let mut a = [if negative { 0xff } else { 0 }; 8];
        a[..b.len()].copy_from_slice(b);
        Value::Int(i64::from_le_bytes(a))
    } else {
        Value::BigInt(b.to_vec())
    }
}

fn usize_arg(v: Option<&Value>, what: &str) -> PickleResult<usize> {
    match v {
        Some(Value::Int(i)) if *i >= 0 => Ok(*i as usize),
        _ => Err(format!("tensor {what} is not a non-negative integer")),
    }
}

fn usize_tuple(v: Option<&Value>, what: &str) -> PickleResult<Vec<usize>> {
    match v {
        Some(Value::Tuple(items)) => items.iter().map(|i| usize_arg(Some(i), what)).collect(),
        _ => Err(format!("tensor {what} is not a tuple")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8]) -> Value {
        Machine::new(bytes).run(&mut 0).unwrap()
    }

    #[test]
    fn long1_reads_negative_and_big_integers() {
        assert!(matches!(run(b"\x8a\x02\xff\xff."), Value::Int(-1)));
        assert!(matches!(run(b"\x8a\x01\x7f."), Value::Int(127)));
        assert!(
            matches!(run(b"\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."),
            Value::BigInt(b) if b == LEGACY_MAGIC)
        );
    }

    #[test]
    fn a_memoised_dict_sees_the_items_set_after_it_was_memoised() {
        // {} memo 0; 'a' -> 1; then a tuple (memo[0],)
        let v = run(b"\x80\x02}q\x00X\x01\x00\x00\x00aK\x01s0h\x00\x85.");
        let Value::Tuple(t) = v else {
            panic!("not a tuple")
        };
        let Value::Dict(d) = &t[0] else {
            panic!("not a dict")
        };
        assert_eq!(d.borrow().len(), 1);
    }

    #[test]
    fn unknown_opcodes_are_errors_naming_the_byte() {
        let e = Machine::new(b"\x80\x02\xff").run(&mut 0).unwrap_err();
        assert!(e.contains("0xff") && e.contains("byte 2"), "{e}");
    }

    #[test]
    fn strided_tensors_are_read_in_row_major_order() {
        // a 2x2 f32 storage [1, 2, 3, 4], read transposed (strides (1, 2)).
        let bytes: Vec<u8> = [1f32, 2., 3., 4.]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let file = TorchFile {
            root: Value::None,
            storages: HashMap::from([("0".to_string(), bytes)]),
            little_endian: true,
        };
        let t = TensorRef {
            storage: StorageRef {
                key: "0".into(),
                dtype: DType::F32,
                offset: 0,
            },
            offset: 0,
            shape: vec![2, 2],
            stride: vec![1, 2],
        };
        assert_eq!(file.tensor_f32(&t).unwrap(), vec![1., 3., 2., 4.]);
        let beyond = TensorRef { offset: 1, ..t };
        assert!(file.tensor_f32(&beyond).is_err());
    }
}
