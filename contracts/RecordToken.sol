// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {IRecordToken} from "./interfaces/IRecordToken.sol";
import {IConsentManager} from "./interfaces/IConsentManager.sol";
import {IPatientRegistry} from "./interfaces/IPatientRegistry.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {Scopes} from "./libraries/Scopes.sol";

/**
 * @title RecordToken
 * @notice A soulbound (ERC-5192) ERC-721 token per health record. It points at the encrypted record: the CIDv1
 * of the ciphertext in content-addressed storage and the SHA-256 of the ciphertext. No health data is stored.
 *
 * A record is minted to a registered patient by the patient itself, or by an active provider or lab that
 * holds the patient's APPEND consent over all records. The same parties update it; each update carries the
 * issuer's EIP-712 attestation over (tokenId, cid, contentHash, version). The patient burns it (erasure).
 *
 * Token ids are known before the mint: `tokenIdFor(writer, patient, salt)`, the salt picked by the writer, so
 * that a writer encrypts a record for its real id (bound into the ciphertext's AAD) before it mints, and mints
 * many records in one transaction ({mintBatch}). Nobody else can take a writer's id (the writer's address is in
 * it), and an id is never used twice: a burned token leaves a tombstone.
 *
 * Storage: a live record is at most three slots, fewer for the common case. The CID is kept as its codec and
 * its SHA-256 digest (only CIDv1 with a sha2-256 multihash is accepted) and rebuilt by {recordOf}/{cidOf}; a raw
 * CID's digest is the SHA-256 of the ciphertext itself, i.e. `contentHash`, so it is not stored twice. The
 * record kind and the issuer are in the {RecordMinted} and {DataUpdated} events only.
 */
contract RecordToken is ERC721, EIP712, IERC5192, IRecordToken {
    /// @notice The pointer of one record, as stored (one to three slots).
    struct StoredRecord {
        // slot 0: patient ‖ version ‖ codec. `version` stays non-zero after a burn (the tombstone).
        address patient;
        uint64 version;
        uint32 codec;
        // slot 1
        bytes32 contentHash;
        // slot 2: zero when `codec` is raw (the digest is then `contentHash`).
        bytes32 cidDigest;
    }

    /// @notice The pointer of one record, as {recordOf} returns it.
    struct Record {
        address patient;
        uint64 version;
        bytes32 contentHash;
        bytes cid;
    }

    /// @notice One record of a {mintBatch}.
    struct MintEntry {
        bytes32 salt;
        bytes32 contentHash;
        bytes32 recordKind;
        bytes cid;
    }

    /// @notice EIP-712 type hash of a record update attestation.
    bytes32 public constant RECORD_UPDATE_TYPEHASH =
        keccak256("RecordUpdate(uint256 tokenId,bytes cid,bytes32 contentHash,uint64 version)");
    /// @notice Multicodec of raw bytes: a CID with this codec addresses the ciphertext itself.
    uint32 public constant RAW_CODEC = 0x55;
    /// @notice Multihash prefix accepted in a CID: sha2-256 (0x12), 32-byte digest (0x20).
    bytes2 private constant _SHA256_MULTIHASH = 0x1220;

    /// @notice The patient registry: records are minted to registered patients only.
    IPatientRegistry public immutable patientRegistry;
    /// @notice The participant registry: issuers other than the patient must be active providers or labs.
    IProviderRegistry public immutable providerRegistry;
    /// @notice The consent manager that holds APPEND consents.
    IConsentManager public immutable consentManager;

    mapping(uint256 tokenId => StoredRecord) private _records;
    mapping(address patient => uint256) private _recordCounts;

    /// @dev Record tokens never move: every transfer reverts.
    error SoulboundTransfer(uint256 tokenId);
    /// @dev Record tokens have no operators: every approval reverts.
    error SoulboundApproval();
    /// @dev A zero address was given.
    error ZeroAddress();
    /// @dev `account` is not a registered patient.
    error NotAPatient(address account);
    /// @dev `issuer` may not mint or update records of this patient.
    error UnauthorizedIssuer(address issuer);
    /// @dev Only the patient may do this.
    error NotRecordPatient(uint256 tokenId, address account);
    /// @dev `cid` is not a binary CIDv1 with a sha2-256 multihash.
    error InvalidCid();
    /// @dev The content hash is zero.
    error InvalidContentHash();
    /// @dev A raw CID's digest is the SHA-256 of the ciphertext: it must equal the content hash.
    error CidHashMismatch(bytes32 cidDigest, bytes32 contentHash);
    /// @dev The attestation is not the issuer's signature over the update.
    error InvalidAttestation();
    /// @dev `tokenId` is live or was burned: ids are never used twice (pick another salt).
    error TokenIdUsed(uint256 tokenId);
    /// @dev {mintBatch} was called without records.
    error EmptyBatch();

    /// @notice Record `tokenId` of `patient` was created by `issuer`.
    event RecordMinted(
        uint256 indexed tokenId,
        address indexed patient,
        address indexed issuer,
        bytes cid,
        bytes32 contentHash,
        bytes32 recordKind
    );
    /// @notice Record `tokenId` now points at `cid`/`contentHash`, attested by `issuer`.
    event DataUpdated(
        uint256 indexed tokenId,
        bytes cid,
        bytes32 contentHash,
        address indexed issuer,
        uint64 version,
        bytes attestation
    );
    /// @notice Record `tokenId` of `patient` was burned and its pointer deleted.
    event RecordBurned(uint256 indexed tokenId, address indexed patient);

    /**
     * @param patients The patient registry.
     * @param providers The participant registry.
     * @param consents The consent manager.
     */
    constructor(
        IPatientRegistry patients,
        IProviderRegistry providers,
        IConsentManager consents
    ) ERC721("medrec Record", "MEDREC") EIP712("medrec RecordToken", "1") {
        if (address(patients) == address(0) || address(providers) == address(0) || address(consents) == address(0)) {
            revert ZeroAddress();
        }
        patientRegistry = patients;
        providerRegistry = providers;
        consentManager = consents;
    }

    /**
     * @notice Mints record `tokenIdFor(msg.sender, patient, salt)` for `patient`, pointing at the ciphertext
     * `cid` whose SHA-256 is `contentHash`.
     * @dev The caller is the patient, or an active provider/lab with the patient's APPEND consent over all
     * records. Emits {Transfer}, {Locked} and {RecordMinted}. Reverts with {NotAPatient}, {UnauthorizedIssuer},
     * {InvalidCid}, {InvalidContentHash}, {CidHashMismatch} or {TokenIdUsed}.
     * @return tokenId The new token id.
     */
    function mint(
        address patient,
        bytes32 salt,
        bytes calldata cid,
        bytes32 contentHash,
        bytes32 recordKind
    ) external returns (uint256 tokenId) {
        _requireMayMint(patient);
        tokenId = _mintOne(patient, salt, cid, contentHash, recordKind);
        unchecked {
            _recordCounts[patient] += 1;
        }
    }

    /**
     * @notice Mints every record of `entries` for `patient` in one transaction, each exactly as {mint} would
     * (same checks, ids and events, in order).
     * @dev Reverts as {mint} does, for the first entry that fails (nothing is minted then), or with {EmptyBatch}.
     */
    function mintBatch(address patient, MintEntry[] calldata entries) external {
        uint256 count = entries.length;
        if (count == 0) revert EmptyBatch();
        _requireMayMint(patient);
        for (uint256 i; i < count; ) {
            MintEntry calldata entry = entries[i];
            _mintOne(patient, entry.salt, entry.cid, entry.contentHash, entry.recordKind);
            unchecked {
                ++i;
            }
        }
        unchecked {
            _recordCounts[patient] += count;
        }
    }

    /**
     * @notice Points record `tokenId` at a new ciphertext; the version goes up by one.
     * @dev The caller is the patient or an active provider/lab with APPEND on the token, and `attestation`
     * is the caller's EIP-712 signature (ECDSA or ERC-1271) over RecordUpdate(tokenId, cid, contentHash,
     * version + 1). Reverts with {UnauthorizedIssuer}, {InvalidCid}, {InvalidContentHash}, {CidHashMismatch} or
     * {InvalidAttestation}.
     * @return version The new version.
     */
    function update(
        uint256 tokenId,
        bytes calldata cid,
        bytes32 contentHash,
        bytes calldata attestation
    ) external returns (uint64 version) {
        address patient = _requireOwned(tokenId);
        if (msg.sender != patient && !(_isIssuerKind(msg.sender) && consentManager.hasAccess(msg.sender, tokenId, Scopes.APPEND))) {
            revert UnauthorizedIssuer(msg.sender);
        }
        (uint32 codec, bytes32 cidDigest) = _parsePointer(cid, contentHash);
        StoredRecord storage record = _records[tokenId];
        version = record.version + 1;
        bytes32 digest = _hashTypedDataV4(hashRecordUpdate(tokenId, cid, contentHash, version));
        if (!SignatureChecker.isValidSignatureNowCalldata(msg.sender, digest, attestation)) revert InvalidAttestation();
        record.version = version;
        record.codec = codec;
        record.contentHash = contentHash;
        record.cidDigest = cidDigest;
        emit DataUpdated(tokenId, cid, contentHash, msg.sender, version, attestation);
    }

    /**
     * @notice Burns record `tokenId` and deletes its pointer (right to be forgotten). Only the patient.
     * @dev Keeps the version as a tombstone so that the id is never minted again. Reverts with
     * {ERC721NonexistentToken} or {NotRecordPatient}.
     */
    function burn(uint256 tokenId) external {
        address patient = _requireOwned(tokenId);
        if (msg.sender != patient) revert NotRecordPatient(tokenId, msg.sender);
        StoredRecord storage record = _records[tokenId];
        record.patient = address(0);
        record.codec = 0;
        record.contentHash = bytes32(0);
        record.cidDigest = bytes32(0);
        unchecked {
            _recordCounts[patient] -= 1;
        }
        emit Transfer(patient, address(0), tokenId);
        emit RecordBurned(tokenId, patient);
    }

    /**
     * @notice The id `writer` mints for `patient` with `salt`: the low 128 bits of
     * keccak256(abi.encode(writer, patient, salt)), never zero.
     */
    function tokenIdFor(address writer, address patient, bytes32 salt) public pure returns (uint256) {
        uint256 id = uint256(keccak256(abi.encode(writer, patient, salt))) & type(uint128).max;
        return id == 0 ? 1 << 128 : id;
    }

    /// @notice Whether `tokenId` was ever minted (it may have been burned since): such an id is never minted again.
    function isUsed(uint256 tokenId) external view returns (bool) {
        return _records[tokenId].version != 0;
    }

    /// @inheritdoc IRecordToken
    function patientOf(uint256 tokenId) external view returns (address) {
        return _records[tokenId].patient;
    }

    /// @inheritdoc IRecordToken
    function pointerOf(uint256 tokenId) external view returns (address patient, uint64 version) {
        return _pointerOf(tokenId);
    }

    /// @inheritdoc IRecordToken
    function patientsOf(uint256[] calldata tokenIds) external view returns (address[] memory patients) {
        uint256 count = tokenIds.length;
        patients = new address[](count);
        for (uint256 i; i < count; ) {
            patients[i] = _records[tokenIds[i]].patient;
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IRecordToken
    function pointersOf(uint256[] calldata tokenIds) external view returns (address[] memory patients, uint64[] memory versions) {
        uint256 count = tokenIds.length;
        patients = new address[](count);
        versions = new uint64[](count);
        for (uint256 i; i < count; ) {
            (patients[i], versions[i]) = _pointerOf(tokenIds[i]);
            unchecked {
                ++i;
            }
        }
    }

    /// @notice The pointer of `tokenId`; reverts with {ERC721NonexistentToken} if burned or unknown.
    function recordOf(uint256 tokenId) external view returns (Record memory) {
        _requireOwned(tokenId);
        StoredRecord storage record = _records[tokenId];
        return Record({patient: record.patient, version: record.version, contentHash: record.contentHash, cid: _cidOf(record)});
    }

    /// @notice The binary CIDv1 of the ciphertext of `tokenId`; reverts with {ERC721NonexistentToken} if burned or unknown.
    function cidOf(uint256 tokenId) external view returns (bytes memory) {
        _requireOwned(tokenId);
        return _cidOf(_records[tokenId]);
    }

    /// @notice The number of live records of `owner`.
    function balanceOf(address owner) public view override returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _recordCounts[owner];
    }

    /// @notice The EIP-712 domain separator (name "medrec RecordToken", version "1", chain id, this contract).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice The EIP-712 struct hash of an update attestation.
    function hashRecordUpdate(
        uint256 tokenId,
        bytes calldata cid,
        bytes32 contentHash,
        uint64 version
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(RECORD_UPDATE_TYPEHASH, tokenId, keccak256(cid), contentHash, version));
    }

    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return true;
    }

    /// @notice Always reverts with {SoulboundApproval}: record tokens have no operators.
    function approve(address, uint256) public pure override {
        revert SoulboundApproval();
    }

    /// @notice Always reverts with {SoulboundApproval}: record tokens have no operators.
    function setApprovalForAll(address, bool) public pure override {
        revert SoulboundApproval();
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IERC5192).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev Ownership lives in the packed record, not in ERC721's own mapping.
    function _ownerOf(uint256 tokenId) internal view override returns (address) {
        return _records[tokenId].patient;
    }

    /// @dev Mints and burns write the packed record directly, so ERC721's paths (transfers) reach this only to
    /// move a token: that reverts. Nothing else is ever written here.
    function _update(address to, uint256 tokenId, address) internal view override returns (address from) {
        from = _ownerOf(tokenId);
        if (from != address(0) || to != address(0)) revert SoulboundTransfer(tokenId);
    }

    /// @dev The patient and version of a live record (one SLOAD), zeros for a burned or unknown one.
    function _pointerOf(uint256 tokenId) private view returns (address patient, uint64 version) {
        StoredRecord storage record = _records[tokenId];
        (patient, version) = (record.patient, record.version);
        if (patient == address(0)) version = 0;
    }

    /// @dev Stores one record (1–3 new slots) and emits its events; the caller checked the patient and issuer.
    function _mintOne(
        address patient,
        bytes32 salt,
        bytes calldata cid,
        bytes32 contentHash,
        bytes32 recordKind
    ) private returns (uint256 tokenId) {
        (uint32 codec, bytes32 cidDigest) = _parsePointer(cid, contentHash);
        tokenId = tokenIdFor(msg.sender, patient, salt);
        StoredRecord storage record = _records[tokenId];
        if (record.version != 0) revert TokenIdUsed(tokenId);
        record.patient = patient;
        record.version = 1;
        record.codec = codec;
        record.contentHash = contentHash;
        if (cidDigest != bytes32(0)) record.cidDigest = cidDigest;
        emit Transfer(address(0), patient, tokenId);
        emit Locked(tokenId);
        emit RecordMinted(tokenId, patient, msg.sender, cid, contentHash, recordKind);
    }

    function _requireMayMint(address patient) private view {
        if (!patientRegistry.isPatient(patient)) revert NotAPatient(patient);
        if (msg.sender != patient && !(_isIssuerKind(msg.sender) && consentManager.canAppend(msg.sender, patient))) {
            revert UnauthorizedIssuer(msg.sender);
        }
    }

    function _isIssuerKind(address account) private view returns (bool) {
        IProviderRegistry.Kind kind = providerRegistry.activeKindOf(account);
        return kind == IProviderRegistry.Kind.Provider || kind == IProviderRegistry.Kind.Lab;
    }

    /**
     * @dev Parses `0x01 ‖ varint codec ‖ 0x12 0x20 ‖ digest(32)`. Returns the codec and the digest to store:
     * zero for a raw CID, whose digest must be `contentHash`.
     */
    function _parsePointer(bytes calldata cid, bytes32 contentHash) private pure returns (uint32 codec, bytes32 cidDigest) {
        if (contentHash == bytes32(0)) revert InvalidContentHash();
        uint256 length = cid.length;
        if (length < 36 || cid[0] != 0x01) revert InvalidCid();
        uint256 offset = 1;
        uint256 shift;
        uint256 value;
        while (true) {
            if (offset >= length || shift > 28) revert InvalidCid();
            uint8 b = uint8(cid[offset++]);
            value |= uint256(b & 0x7f) << shift;
            if (b & 0x80 == 0) break;
            shift += 7;
        }
        if (value > type(uint32).max || length != offset + 34 || bytes2(cid[offset:offset + 2]) != _SHA256_MULTIHASH) revert InvalidCid();
        codec = uint32(value);
        bytes32 digest = bytes32(cid[offset + 2:offset + 34]);
        if (codec == RAW_CODEC) {
            if (digest != contentHash) revert CidHashMismatch(digest, contentHash);
            return (codec, bytes32(0));
        }
        return (codec, digest);
    }

    /// @dev Rebuilds the binary CIDv1 of a stored record.
    function _cidOf(StoredRecord storage record) private view returns (bytes memory) {
        uint256 codec = record.codec;
        bytes memory varint;
        while (codec >= 0x80) {
            varint = bytes.concat(varint, bytes1(uint8(codec & 0x7f) | 0x80));
            codec >>= 7;
        }
        varint = bytes.concat(varint, bytes1(uint8(codec)));
        bytes32 digest = record.codec == RAW_CODEC ? record.contentHash : record.cidDigest;
        return bytes.concat(bytes1(0x01), varint, _SHA256_MULTIHASH, digest);
    }
}
